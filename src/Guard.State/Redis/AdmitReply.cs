using System.Globalization;
using Guard.Redis;

namespace Guard.State.Redis;

/// <summary>The admission script's answer (see <see cref="StateScripts.Admit"/>), read.</summary>
internal readonly record struct AdmitReply(AdmissionResult Result, long NowMs)
{
    /// <param name="buckets">The buckets the script was given, to name the refusing one.</param>
    /// <param name="quotas">The quotas the script was given.</param>
    public static AdmitReply Read(RedisReply reply, IReadOnlyList<PlannedLimit<TokenBucketLimit>> buckets, IReadOnlyList<PlannedLimit<QuotaLimit>> quotas)
    {
        var items = reply.Items;
        if (items.Count == 0)
        {
            throw new InvalidOperationException($"The admission script answered a {reply.Kind}, not an array.");
        }
        return items[0].AsString() switch
        {
            "A" => new AdmitReply(AdmissionResult.Admitted, Number(items[1])),
            "L" => new AdmitReply(AdmissionResult.AdmittedByAllowList, 0),
            "D" => new AdmitReply(AdmissionResult.Denied, 0),
            "B" => new AdmitReply(AdmissionResult.Banned(items[1].AsString() ?? "", RedisTtl.Remaining(Number(items[2]))), 0),
            "R" => new AdmitReply(AdmissionResult.RateLimited(buckets[(int)Number(items[1])].Limit.Name, Wait(items[2])), 0),
            "Q" => new AdmitReply(AdmissionResult.QuotaExceeded(quotas[(int)Number(items[1])].Limit.Name, Wait(items[2])), 0),
            var other => throw new InvalidOperationException($"The admission script answered '{other}'."),
        };
    }

    private static TimeSpan? Wait(RedisReply item) => Number(item) is var ms and >= 0 ? TimeSpan.FromMilliseconds(ms) : null;

    private static long Number(RedisReply item) =>
        (long)double.Parse(item.AsString() ?? throw new InvalidOperationException("The admission script answered a null."), NumberStyles.Float, CultureInfo.InvariantCulture);
}

/// <summary>Redis's TTLs, both ways.</summary>
internal static class RedisTtl
{
    /// <summary>A PTTL reply as a remaining time: -1 (no expiry) is "forever"; -2 (gone) is zero.</summary>
    public static TimeSpan Remaining(long pttl) => pttl switch
    {
        -1 => TimeSpan.MaxValue,
        < 0 => TimeSpan.Zero,
        _ => TimeSpan.FromMilliseconds(pttl),
    };

    /// <summary>A TTL as PX/PEXPIRE milliseconds, rounded up so that nothing expires early.</summary>
    public static string Milliseconds(TimeSpan ttl) =>
        Math.Max(1, (long)Math.Ceiling(ttl.TotalMilliseconds)).ToString(CultureInfo.InvariantCulture);
}
