using Guard.Redis;
using Guard.State;
using Guard.State.Embedded;
using Guard.State.Fingerprints;
using Guard.State.History;
using Guard.State.Notifications;
using Guard.State.Redis;
using Guard.State.Resilience;
using Microsoft.Extensions.Logging;

namespace Guard.Gateway.State;

/// <summary>
/// The process's state store, built once at start from the <c>state</c> section: the embedded store, or Redis
/// behind a circuit breaker with this process's own embedded store as the fail-open fallback; and the change
/// notifications that go with it (in-process, or Redis pub/sub).
/// </summary>
public sealed class StateStoreHost : IAsyncDisposable
{
    private readonly RedisClient? _redis;

    private StateStoreHost(
        IStateStore store, IFingerprintIndex fingerprints, IQueryHistory history, IStateNotifications notifications, RedisClient? redis, ResilientStateStore? resilient)
    {
        Store = store;
        Fingerprints = fingerprints;
        History = history;
        Notifications = notifications;
        _redis = redis;
        Resilient = resilient;
    }

    public IStateStore Store { get; }

    /// <summary>The global fingerprint index, on the same backend as the rest of the state.</summary>
    public IFingerprintIndex Fingerprints { get; }

    /// <summary>Per-client recent query embeddings for the stateful k-NN stage, on the same backend as the rest.</summary>
    public IQueryHistory History { get; }

    /// <summary>
    /// Tells every Guard process sharing this state that something in it changed (a policy version, say): in-process
    /// with the embedded backend, Redis pub/sub with Redis. Not behind the breaker's fallback: a notification heard
    /// only locally would reach no other replica.
    /// </summary>
    public IStateNotifications Notifications { get; }

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
                local,
                new EmbeddedFingerprintIndex(TimeProvider.System),
                new EmbeddedQueryHistory(TimeProvider.System),
                new EmbeddedStateNotifications(loggers.CreateLogger<EmbeddedStateNotifications>()),
                redis: null,
                resilient: null);
        }

        var redis = new RedisClient(options.Redis, loggers.CreateLogger<RedisClient>());
        var resilient = new ResilientStateStore(
            new RedisStateStore(redis, options), local, options.Breaker, TimeProvider.System, loggers.CreateLogger<ResilientStateStore>(), metrics);
        return new StateStoreHost(
            resilient,
            new RedisFingerprintIndex(redis, options.KeyPrefix),
            new RedisQueryHistory(redis, options.KeyPrefix),
            new RedisStateNotifications(redis, options, loggers),
            redis,
            resilient);
    }

    public async ValueTask DisposeAsync()
    {
        // Before the client: the subscriber's handlers may still be using the store.
        if (Notifications is IAsyncDisposable notifications)
        {
            await notifications.DisposeAsync();
        }

        if (_redis is not null)
        {
            await _redis.DisposeAsync();
        }
    }
}
