namespace Guard.AuditLog;

/// <summary>Which rows <see cref="IBlockedQueryLog.QueryAsync"/> returns: every set criterion must match. Rows come in
/// (time, id) order, oldest first; pass <see cref="BlockedQueryPage.ContinuationToken"/> back with the same criteria
/// for the next page.</summary>
public sealed record BlockedQueryFilter
{
    /// <summary>The largest page a query may ask for, so one call cannot pull the whole table into memory.</summary>
    public const int MaxPageSize = 1000;

    /// <summary>Only rows at or after this time.</summary>
    public DateTimeOffset? FromUtc { get; init; }

    /// <summary>Only rows before this time (exclusive, so consecutive ranges do not overlap).</summary>
    public DateTimeOffset? ToUtc { get; init; }

    /// <summary>Only rows of this request id (exact match), e.g. to find the logged rows of a query's matched ids.</summary>
    public string? RequestId { get; init; }

    /// <summary>Only this client.</summary>
    public string? ClientId { get; init; }

    /// <summary>Only this model.</summary>
    public string? Model { get; init; }

    /// <summary>Only this guard stage.</summary>
    public string? Guard { get; init; }

    /// <summary>Only this action.</summary>
    public BlockAction? Action { get; init; }

    /// <summary>Rows per page, 1 to <see cref="MaxPageSize"/>.</summary>
    public int PageSize { get; init; } = 100;

    /// <summary>Where the previous page ended; null for the first page.</summary>
    public string? ContinuationToken { get; init; }
}
