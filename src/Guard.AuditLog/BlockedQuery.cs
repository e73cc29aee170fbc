namespace Guard.AuditLog;

/// <summary>
/// One blocked or flagged query, as security teams review it. <see cref="Id"/> is assigned by the log when the row is
/// committed (0 on entries not yet appended). Times are stored in whole microseconds UTC, so a read-back entry's
/// <see cref="TimeUtc"/> is the appended one truncated to the microsecond.
/// </summary>
public sealed record BlockedQuery
{
    /// <summary>The log's id for the row; 0 before it is appended.</summary>
    public long Id { get; init; }

    /// <summary>When the guard decided (UTC).</summary>
    public required DateTimeOffset TimeUtc { get; init; }

    /// <summary>The gateway's request id.</summary>
    public required string RequestId { get; init; }

    /// <summary>The authenticated client.</summary>
    public required string ClientId { get; init; }

    /// <summary>The model the query was for.</summary>
    public required string Model { get; init; }

    /// <summary>The model version; empty when the request named none.</summary>
    public string ModelVersion { get; init; } = "";

    /// <summary>The guard stage that decided.</summary>
    public required string Guard { get; init; }

    /// <summary>The stage's score for the query.</summary>
    public required double Score { get; init; }

    /// <summary>The threshold the score was compared with.</summary>
    public required double Threshold { get; init; }

    /// <summary>What was done.</summary>
    public required BlockAction Action { get; init; }

    /// <summary>Ids of earlier queries this one matched (e.g. near-duplicates in an extraction pattern).</summary>
    public IReadOnlyList<string> MatchedQueryIds { get; init; } = [];

    /// <summary>Lower-case hex SHA-256 of the raw input bytes (<see cref="AuditLog.InputHash.Compute"/>).</summary>
    public required string InputHash { get; init; }

    /// <summary>The compressed input, or null when it was over the cap (only the hash is kept).</summary>
    public TensorSnapshot? Snapshot { get; init; }
}
