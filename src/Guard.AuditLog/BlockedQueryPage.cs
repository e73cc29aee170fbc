namespace Guard.AuditLog;

/// <summary>One page of <see cref="IBlockedQueryLog.QueryAsync"/>.</summary>
/// <param name="Items">The rows, in (time, id) order.</param>
/// <param name="ContinuationToken">Pass back for the next page; null when there are no more rows.</param>
public sealed record BlockedQueryPage(IReadOnlyList<BlockedQuery> Items, string? ContinuationToken);
