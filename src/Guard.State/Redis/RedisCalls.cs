using Guard.Redis;

namespace Guard.State.Redis;

/// <summary>
/// Runs commands on a <see cref="RedisClient"/> and turns "Redis cannot answer" into
/// <see cref="StateUnavailableException"/>, the one failure <see cref="Resilience.ResilientStateStore"/> reacts to.
/// Other error replies (a bug, a wrong type) stay <see cref="RedisServerException"/>.
/// </summary>
internal sealed class RedisCalls(RedisClient client)
{
    /// <summary>Error replies that mean the server cannot serve now, not that the command was wrong.</summary>
    private static readonly HashSet<string> UnavailablePrefixes = new(StringComparer.Ordinal)
    {
        "LOADING", "BUSY", "MASTERDOWN", "CLUSTERDOWN", "READONLY", "TRYAGAIN", "OOM", "NOREPLICAS",
    };

    public async Task<RedisReply> EvalAsync(RedisScript script, IReadOnlyList<string> keys, IReadOnlyList<object> args, CancellationToken cancellationToken)
    {
        try
        {
            return await client.EvalAsync(script, keys, args, cancellationToken);
        }
        catch (Exception e) when (Unavailable(e, cancellationToken) is { } unavailable)
        {
            throw unavailable;
        }
    }

    public async Task<RedisReply> ExecuteAsync(IReadOnlyList<object> args, string key, CancellationToken cancellationToken)
    {
        try
        {
            return await client.ExecuteAsync(args, key, cancellationToken);
        }
        catch (Exception e) when (Unavailable(e, cancellationToken) is { } unavailable)
        {
            throw unavailable;
        }
    }

    public async Task<long> PublishAsync(string channel, ReadOnlyMemory<byte> message, CancellationToken cancellationToken)
    {
        try
        {
            return await client.PublishAsync(channel, message, cancellationToken);
        }
        catch (Exception e) when (Unavailable(e, cancellationToken) is { } unavailable)
        {
            throw unavailable;
        }
    }

    private static StateUnavailableException? Unavailable(Exception e, CancellationToken cancellationToken) => e switch
    {
        RedisConnectionException => new StateUnavailableException("Redis could not be reached: " + e.Message, e),
        RedisServerException server when UnavailablePrefixes.Contains(server.Prefix) =>
            new StateUnavailableException("Redis cannot serve now: " + e.Message, e),
        // A timeout of the client's own, not the caller giving up.
        TimeoutException or OperationCanceledException when !cancellationToken.IsCancellationRequested =>
            new StateUnavailableException("Redis did not answer in time.", e),
        _ => null,
    };
}
