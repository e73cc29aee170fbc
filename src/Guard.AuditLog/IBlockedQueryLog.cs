namespace Guard.AuditLog;

/// <summary>
/// The durable log of blocked and flagged queries. <see cref="AppendAsync"/> completes only once the row's
/// transaction has committed, so nothing acknowledged is lost when the process dies. Dispose drains queued appends.
/// </summary>
public interface IBlockedQueryLog : IAsyncDisposable
{
    /// <summary>Validates and normalises <paramref name="entry"/> (see <see cref="BlockedQueryNormalizer"/>), writes it
    /// durably and returns its id. Cancelling stops the wait, not necessarily the write: a row already queued may
    /// still be committed.</summary>
    ValueTask<long> AppendAsync(BlockedQuery entry, CancellationToken cancellationToken = default);

    /// <summary>One page of rows matching <paramref name="filter"/>.</summary>
    ValueTask<BlockedQueryPage> QueryAsync(BlockedQueryFilter filter, CancellationToken cancellationToken = default);

    /// <summary>The row with <paramref name="id"/>, or null.</summary>
    ValueTask<BlockedQuery?> GetAsync(long id, CancellationToken cancellationToken = default);

    /// <summary>Deletes rows older than <paramref name="maxAge"/>, then the oldest rows beyond
    /// <paramref name="maxRows"/>; returns how many were deleted.</summary>
    ValueTask<int> ApplyRetentionAsync(TimeSpan maxAge, long? maxRows = null, CancellationToken cancellationToken = default);
}
