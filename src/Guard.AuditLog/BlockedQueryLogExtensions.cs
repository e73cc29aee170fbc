using System.Runtime.CompilerServices;

namespace Guard.AuditLog;

/// <summary>Helpers over <see cref="IBlockedQueryLog"/>.</summary>
public static class BlockedQueryLogExtensions
{
    /// <summary>Every row matching <paramref name="filter"/>, page by page (for export), without holding more than one
    /// page in memory.</summary>
    public static async IAsyncEnumerable<BlockedQuery> ReadAllAsync(
        this IBlockedQueryLog log,
        BlockedQueryFilter filter,
        [EnumeratorCancellation] CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(log);
        ArgumentNullException.ThrowIfNull(filter);
        var next = filter;
        while (true)
        {
            var page = await log.QueryAsync(next, cancellationToken);
            foreach (var item in page.Items)
            {
                yield return item;
            }

            if (page.ContinuationToken is null)
            {
                yield break;
            }

            next = next with { ContinuationToken = page.ContinuationToken };
        }
    }
}
