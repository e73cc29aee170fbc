namespace Guard.State;

/// <summary>
/// The arithmetic of token buckets and fixed windows, in microseconds and milliseconds of Unix time. The Redis
/// scripts do the same in Lua; keep the two in step.
/// </summary>
internal static class Limits
{
    /// <summary>The bucket's tokens at <paramref name="nowUs"/>; time running backwards (a failover to a server with
    /// a slower clock) refills nothing rather than draining.</summary>
    public static double Refill(double tokens, long stampUs, long nowUs, TokenBucketLimit limit) =>
        Math.Min(limit.Capacity, tokens + Math.Max(0, nowUs - stampUs) / 1e6 * limit.RefillPerSecond);

    /// <summary>How long until the bucket holds <paramref name="cost"/> tokens; null if it never will.</summary>
    public static TimeSpan? BucketRetryAfter(double tokens, long cost, TokenBucketLimit limit) =>
        cost > limit.Capacity || limit.RefillPerSecond <= 0
            ? null
            : TimeSpan.FromMilliseconds(Math.Ceiling((cost - tokens) / limit.RefillPerSecond * 1000));

    /// <summary>How long a bucket's state is worth keeping: until it would be full again anyway (plus a second), or
    /// null (keep) when it does not refill.</summary>
    public static TimeSpan? BucketLifetime(double tokens, TokenBucketLimit limit) =>
        limit.RefillPerSecond <= 0
            ? null
            : TimeSpan.FromMilliseconds(Math.Min(MaxLifetimeMs, Math.Ceiling((limit.Capacity - tokens) / limit.RefillPerSecond * 1000) + 1000));

    public static long WindowStartMs(long nowMs, QuotaLimit limit)
    {
        var window = (long)limit.Window.TotalMilliseconds;
        return nowMs - (nowMs % window);
    }

    public static TimeSpan WindowRemaining(long windowStartMs, long nowMs, QuotaLimit limit) =>
        TimeSpan.FromMilliseconds(windowStartMs + (long)limit.Window.TotalMilliseconds - nowMs);

    /// <summary>Of two refusals, the one to report: the one that lifts later (never lifting is latest).</summary>
    public static bool IsWorse(TimeSpan? candidate, TimeSpan? current, bool haveCurrent) =>
        !haveCurrent || (current is { } c && (candidate is not { } d || d > c));

    /// <summary>Longest lifetime a bucket's state gets (about 30 years): beyond it Redis's PEXPIRE argument
    /// stops being a plain integer in Lua's number formatting.</summary>
    private const double MaxLifetimeMs = 1e12;
}
