using Guard.Redis;

namespace Guard.State.History;

/// <summary>
/// The history in Redis: one list per (client, scope), newest first, under <c>{prefix}{c:client}:qh:scope</c> (the
/// client's hash tag, as every per-client key has, so all of a client's state sits on one Cluster slot). One EVALSHA per
/// query reads the list, pushes the new entry, trims the list to capacity and renews its expiry.
/// </summary>
public sealed class RedisQueryHistory(RedisClient redis, string keyPrefix = "guard:") : IQueryHistory
{
    /// <summary>KEYS: the list. ARGV: entry, capacity, lifetime (ms). Returns the previous entries, newest first.</summary>
    private static readonly RedisScript AppendAndRead = new("""
        local keep = tonumber(ARGV[2])
        local previous = redis.call('LRANGE', KEYS[1], 0, keep - 1)
        redis.call('LPUSH', KEYS[1], ARGV[1])
        redis.call('LTRIM', KEYS[1], 0, keep - 1)
        redis.call('PEXPIRE', KEYS[1], ARGV[3])
        return previous
        """);

    private readonly StateKeys _keys = new(keyPrefix);

    public async ValueTask<IReadOnlyList<ReadOnlyMemory<byte>>> AppendAndReadAsync(
        string scope, string client, ReadOnlyMemory<byte> entry, int capacity, TimeSpan lifetime, CancellationToken cancellationToken = default)
    {
        QueryHistoryArguments.Validate(scope, client, entry, capacity, lifetime);
        var key = Key(scope, client);
        RedisReply reply;
        try
        {
            reply = await redis.EvalAsync(
                AppendAndRead, [key],
                [entry, capacity, (long)Math.Ceiling(lifetime.TotalMilliseconds)],
                cancellationToken);
        }
        catch (RedisConnectionException ex)
        {
            throw new StateUnavailableException("The query history in Redis is unavailable.", ex);
        }
        catch (RedisServerException ex)
        {
            // OOM, READONLY after a failover, a busy script: this query cannot be judged either way, so the caller
            // treats it as an outage rather than as a fault of the request.
            throw new StateUnavailableException($"Redis refused the query history call ({ex.Prefix}).", ex);
        }

        if (reply.Items.Count == 0)
        {
            return [];
        }

        var entries = new ReadOnlyMemory<byte>[reply.Items.Count];
        for (var i = 0; i < entries.Length; i++)
        {
            entries[i] = reply.Items[i].Bytes ?? [];
        }

        return entries;
    }

    /// <summary>The list's key (internal for tests).</summary>
    internal string Key(string scope, string client) => $"{_keys.Prefix}{{c:{StateKeys.Escape(client)}}}:qh:{StateKeys.Escape(scope)}";
}
