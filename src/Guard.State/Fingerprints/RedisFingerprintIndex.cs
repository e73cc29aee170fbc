using System.Globalization;
using Guard.Redis;

namespace Guard.State.Fingerprints;

/// <summary>
/// The index in Redis, one EVALSHA per query doing four Redis calls whatever the fingerprint's size: per scope and index
/// epoch (a <c>lifetime</c>-long slice of Unix time) one Redis hash, field = window hash, value = the field's recent
/// query ids (newline-separated, newest first). A query reads its fields from the current and the previous epoch (two
/// HMGET), writes itself into the current one (one HSET) and refreshes its expiry. So the index resets by epochs, as
/// Blacklight's does: a hash last seen at t is remembered until the end of the epoch after t's, between one and two
/// lifetimes. Both keys share the scope's hash tag (<c>{prefix}{f:scope}:e:epoch</c>): one Redis Cluster slot.
/// </summary>
/// <remarks>An earlier layout (one list per window hash) cost four calls per hash, 200 per query, and most of a
/// query's time inside Redis; in this one the script makes four calls and only cuts strings, and the matching happens
/// in .NET on the values the script returns.</remarks>
public sealed class RedisFingerprintIndex(RedisClient client, string keyPrefix = "guard:", TimeProvider? time = null) : IFingerprintIndex
{
    /// <summary>KEYS: current epoch, previous epoch. ARGV: query id, ids kept per hash, expiry (ms), then the hashes.
    /// Returns the fields' values before the write, {current epoch's, previous epoch's}; the counting is done by the
    /// caller, so the script does no per-id work (Lua string captures cost more than the Redis calls).</summary>
    private static readonly RedisScript MatchAndAdd = new("""
        local id, keep, n = ARGV[1], tonumber(ARGV[2]), #ARGV - 3
        local fields = {}
        for i = 1, n do fields[i] = ARGV[i + 3] end
        local current = redis.call('HMGET', KEYS[1], unpack(fields))
        local previous = redis.call('HMGET', KEYS[2], unpack(fields))
        local updates = {}
        for i = 1, n do
          local value = id
          local ids = current[i]
          if ids and keep > 1 then
            local pos = 0
            for _ = 1, keep - 1 do
              pos = string.find(ids, '\n', pos + 1, true)
              if not pos then break end
            end
            value = id .. '\n' .. (pos and string.sub(ids, 1, pos - 1) or ids)
          end
          updates[2 * i - 1] = fields[i]
          updates[2 * i] = value
        end
        redis.call('HSET', KEYS[1], unpack(updates))
        redis.call('PEXPIRE', KEYS[1], ARGV[3])
        return {current, previous}
        """);

    private readonly TimeProvider _time = time ?? TimeProvider.System;

    private readonly string _prefix = keyPrefix.Contains('{', StringComparison.Ordinal) || keyPrefix.Contains('}', StringComparison.Ordinal)
        ? throw new ArgumentException("The key prefix must not contain braces.", nameof(keyPrefix))
        : keyPrefix;

    public async ValueTask<FingerprintLookup> MatchAndAddAsync(string scope, string queryId, ReadOnlyMemory<ulong> hashes, int idsPerHash, TimeSpan lifetime, CancellationToken cancellationToken = default)
    {
        ArgumentException.ThrowIfNullOrEmpty(scope);
        ArgumentException.ThrowIfNullOrEmpty(queryId);
        ArgumentOutOfRangeException.ThrowIfLessThan(idsPerHash, 1);
        ArgumentOutOfRangeException.ThrowIfLessThanOrEqual(lifetime, TimeSpan.Zero);
        if (queryId.Contains('\n', StringComparison.Ordinal))
        {
            throw new ArgumentException("A query id must not contain a newline (the index's separator).", nameof(queryId));
        }

        if (hashes.IsEmpty)
        {
            return new FingerprintLookup(null, 0);
        }

        var lifetimeMs = Math.Max(1, (long)Math.Ceiling(lifetime.TotalMilliseconds));
        var epoch = _time.GetUtcNow().ToUnixTimeMilliseconds() / lifetimeMs;
        var tag = $"{_prefix}{{f:{StateKeys.Escape(scope)}}}:e:";
        var args = new object[3 + hashes.Length];
        args[0] = queryId;
        args[1] = idsPerHash;
        // The current epoch's hash must outlive the next epoch, which still reads it.
        args[2] = 2 * lifetimeMs;
        var span = hashes.Span;
        for (var i = 0; i < span.Length; i++)
        {
            args[3 + i] = span[i].ToString("x16", CultureInfo.InvariantCulture);
        }

        RedisReply reply;
        try
        {
            reply = await client.EvalAsync(
                MatchAndAdd,
                [tag + epoch.ToString(CultureInfo.InvariantCulture), tag + (epoch - 1).ToString(CultureInfo.InvariantCulture)],
                args,
                cancellationToken);
        }
        catch (RedisConnectionException ex)
        {
            throw new StateUnavailableException("The fingerprint index in Redis is unavailable.", ex);
        }

        return Count(reply.Items[0].Items, reply.Items[1].Items);
    }

    /// <summary>
    /// The earlier query sharing the most hashes: each id is counted once per hash (an id is written into one epoch
    /// only, and once per hash). Ties go to the id that reached the count first, hashes in order and ids newest first.
    /// </summary>
    private static FingerprintLookup Count(IReadOnlyList<RedisReply> current, IReadOnlyList<RedisReply> previous)
    {
        var counts = new Dictionary<string, int>(StringComparer.Ordinal);
        string? best = null;
        var bestCount = 0;
        for (var i = 0; i < current.Count; i++)
        {
            foreach (var packed in (ReadOnlySpan<RedisReply>)[current[i], previous[i]])
            {
                if (packed.AsString() is not { Length: > 0 } ids)
                {
                    continue;
                }

                foreach (var range in ids.AsSpan().Split('\n'))
                {
                    var id = ids[range];
                    var count = counts[id] = counts.GetValueOrDefault(id) + 1;
                    if (count > bestCount)
                    {
                        (best, bestCount) = (id, count);
                    }
                }
            }
        }

        return new FingerprintLookup(best, bestCount);
    }
}
