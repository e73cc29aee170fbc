using Guard.Redis;
using Guard.State;
using Guard.State.Embedded;
using Guard.State.Fingerprints;
using Guard.State.History;
using Guard.State.Redis;
using Guard.State.Resilience;
using Microsoft.Extensions.Logging;

namespace Guard.Gateway.State;

/// <summary>
/// The process's state store, built once at start from the <c>state</c> section: the embedded store, or Redis
/// behind a circuit breaker with this process's own embedded store as the fail-open fallback.
/// </summary>
public sealed class StateStoreHost : IAsyncDisposable
{
    private readonly RedisClient? _redis;

    private StateStoreHost(IStateStore store, IFingerprintIndex fingerprints, IQueryHistory history, RedisClient? redis, ResilientStateStore? resilient)
    {
        Store = store;
        Fingerprints = fingerprints;
        History = history;
        _redis = redis;
        Resilient = resilient;
    }

    public IStateStore Store { get; }

    /// <summary>The global fingerprint index, on the same backend as the rest of the state.</summary>
    public IFingerprintIndex Fingerprints { get; }

    /// <summary>Per-client recent query embeddings for the stateful k-NN stage, on the same backend as the rest.</summary>
    public IQueryHistory History { get; }

    /// <summary>The breaker-guarded Redis store, when Redis is the backend (for health).</summary>
    public ResilientStateStore? Resilient { get; }

    public StateBackend Backend => _redis is null ? StateBackend.Embedded : StateBackend.Redis;

    public static StateStoreHost Create(StateOptions options, StateMetrics metrics, ILoggerFactory loggers)
    {
        ArgumentNullException.ThrowIfNull(options);
        ArgumentNullException.ThrowIfNull(loggers);
        var local = new EmbeddedStateStore(options.Embedded, TimeProvider.System, options.KeyPrefix);
        if (options.Backend == StateBackend.Embedded)
        {
            return new StateStoreHost(
                local, new EmbeddedFingerprintIndex(TimeProvider.System), new EmbeddedQueryHistory(TimeProvider.System), redis: null, resilient: null);
        }

        var redis = new RedisClient(options.Redis, loggers.CreateLogger<RedisClient>());
        var resilient = new ResilientStateStore(
            new RedisStateStore(redis, options), local, options.Breaker, TimeProvider.System, loggers.CreateLogger<ResilientStateStore>(), metrics);
        return new StateStoreHost(
            resilient, new RedisFingerprintIndex(redis, options.KeyPrefix), new RedisQueryHistory(redis, options.KeyPrefix), redis, resilient);
    }

    public async ValueTask DisposeAsync()
    {
        if (_redis is not null)
        {
            await _redis.DisposeAsync();
        }
    }
}
