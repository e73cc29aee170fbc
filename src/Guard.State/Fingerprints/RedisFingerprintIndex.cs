using System.Globalization;
using Guard.Redis;

namespace Guard.State.Fingerprints;

/// <summary>
/// The index in Redis, one EVALSHA per query: a list of recent query ids per hash, under keys that share the scope's
/// hash tag (<c>{prefix}{f:scope}:h:hash</c>), so one script touches one Redis Cluster slot.
/// </summary>
public sealed class RedisFingerprintIndex(RedisClient client, string keyPrefix = "guard:") : IFingerprintIndex
{
    /// <summary>KEYS: one list per hash. ARGV: query id, ids kept per hash, lifetime (ms). Returns {best id or '', shared}.</summary>
    private static readonly RedisScript MatchAndAdd = new("""
        local counts = {}
        local best, best_count = '', 0
        local keep = tonumber(ARGV[2])
        for i = 1, #KEYS do
          local ids = redis.call('LRANGE', KEYS[i], 0, keep - 1)
          for j = 1, #ids do
            local id = ids[j]
            local c = (counts[id] or 0) + 1
            counts[id] = c
            if c > best_count then best, best_count = id, c end
          end
        end
        for i = 1, #KEYS do
          redis.call('LPUSH', KEYS[i], ARGV[1])
          redis.call('LTRIM', KEYS[i], 0, keep - 1)
          redis.call('PEXPIRE', KEYS[i], ARGV[3])
        end
        return {best, tostring(best_count)}
        """);

    private readonly string _prefix = keyPrefix.Contains('{', StringComparison.Ordinal) || keyPrefix.Contains('}', StringComparison.Ordinal)
        ? throw new ArgumentException("The key prefix must not contain braces.", nameof(keyPrefix))
        : keyPrefix;

    public async ValueTask<FingerprintLookup> MatchAndAddAsync(string scope, string queryId, ReadOnlyMemory<ulong> hashes, int idsPerHash, TimeSpan lifetime, CancellationToken cancellationToken = default)
    {
        ArgumentException.ThrowIfNullOrEmpty(scope);
        ArgumentException.ThrowIfNullOrEmpty(queryId);
        ArgumentOutOfRangeException.ThrowIfLessThan(idsPerHash, 1);
        ArgumentOutOfRangeException.ThrowIfLessThanOrEqual(lifetime, TimeSpan.Zero);
        if (hashes.IsEmpty)
        {
            return new FingerprintLookup(null, 0);
        }

        var tag = $"{_prefix}{{f:{StateKeys.Escape(scope)}}}:h:";
        var keys = new string[hashes.Length];
        var span = hashes.Span;
        for (var i = 0; i < keys.Length; i++)
        {
            keys[i] = tag + span[i].ToString("x16", CultureInfo.InvariantCulture);
        }

        RedisReply reply;
        try
        {
            reply = await client.EvalAsync(
                MatchAndAdd, keys,
                [queryId, idsPerHash, (long)Math.Ceiling(lifetime.TotalMilliseconds)],
                cancellationToken);
        }
        catch (RedisConnectionException ex)
        {
            throw new StateUnavailableException("The fingerprint index in Redis is unavailable.", ex);
        }

        var best = reply.Items[0].AsString();
        var shared = (int)reply.Items[1].AsInt64();
        return new FingerprintLookup(string.IsNullOrEmpty(best) ? null : best, shared);
    }
}
