using Guard.Redis;
using Guard.Redis.PubSub;
using Guard.State.Redis;
using Microsoft.Extensions.Logging;

namespace Guard.State.Notifications;

/// <summary>
/// Notifications through Redis pub/sub, for every Guard process using the same Redis and key prefix: PUBLISH on the
/// shared client, and one <see cref="RedisSubscriber"/> connection per process for all of its subscriptions, which
/// reconnects and subscribes again by itself; each (re)confirmation of a channel runs its subscriptions'
/// <c>onSubscribed</c>. Channels are named <c>{prefix}{n:channel}</c> (see <see cref="StateKeys"/>), so deployments
/// sharing a Redis do not hear each other. Pub/sub ignores the database number, hence the prefix is the only separation.
/// </summary>
/// <remarks>Publishing never falls back to this process alone: a message only this process heard would tell no other
/// replica, which is what notifications are for. An unreachable Redis is a <see cref="StateUnavailableException"/>.</remarks>
public sealed class RedisStateNotifications : IStateNotifications, IAsyncDisposable
{
    private readonly RedisCalls _redis;
    private readonly StateKeys _keys;
    private readonly RedisSubscriber _subscriber;
    private readonly SubscriptionRegistry _registry = new();
    private readonly Lock _gate = new();
    private readonly ILogger _logger;

    /// <param name="client">For PUBLISH; shared, not disposed by this.</param>
    /// <param name="options">The key prefix, and <see cref="StateOptions.Redis"/>, the client's own options, from which
    /// the subscriber makes its connection.</param>
    /// <exception cref="ArgumentException">The Redis options are unusable.</exception>
    public RedisStateNotifications(RedisClient client, StateOptions options, ILoggerFactory loggers)
    {
        ArgumentNullException.ThrowIfNull(client);
        ArgumentNullException.ThrowIfNull(options);
        ArgumentNullException.ThrowIfNull(loggers);
        _redis = new RedisCalls(client);
        _keys = new StateKeys(options.KeyPrefix);
        _logger = loggers.CreateLogger<RedisStateNotifications>();
        _subscriber = new RedisSubscriber(options.Redis, loggers.CreateLogger<RedisSubscriber>(), OnMessageAsync, OnSubscribedAsync);
    }

    /// <summary>Whether the subscriber's connection is up (for health).</summary>
    public bool IsConnected => _subscriber.IsConnected;

    public async ValueTask PublishAsync(string channel, ReadOnlyMemory<byte> message, CancellationToken cancellationToken = default)
    {
        ArgumentException.ThrowIfNullOrEmpty(channel);
        await _redis.PublishAsync(_keys.Channel(channel), message, cancellationToken);
    }

    public IAsyncDisposable Subscribe(
        string channel,
        Func<ReadOnlyMemory<byte>, CancellationToken, ValueTask> onMessage,
        Func<CancellationToken, ValueTask>? onSubscribed = null)
    {
        ArgumentException.ThrowIfNullOrEmpty(channel);
        ArgumentNullException.ThrowIfNull(onMessage);
        var subscription = new Subscription(_keys.Channel(channel), onMessage, onSubscribed, Release, _logger);
        lock (_gate)
        {
            _registry.Add(subscription);
            try
            {
                // Even when the channel is subscribed already: the server's fresh confirmation is what runs this
                // subscription's onSubscribed (and, harmlessly, its neighbours' again).
                _subscriber.Subscribe(subscription.Channel);
            }
            catch (ObjectDisposedException)
            {
                _registry.Remove(subscription);
                throw;
            }
        }

        return subscription;
    }

    public ValueTask DisposeAsync() => _subscriber.DisposeAsync();

    /// <summary>Under the same lock as <see cref="Subscribe"/>, so a last unsubscribe and a new first subscribe to one
    /// channel cannot cross and leave the server unsubscribed under a live subscription.</summary>
    private void Release(Subscription subscription)
    {
        lock (_gate)
        {
            if (_registry.Remove(subscription))
            {
                _subscriber.Unsubscribe(subscription.Channel);
            }
        }
    }

    private async ValueTask OnMessageAsync(RedisMessage message, CancellationToken cancellationToken)
    {
        foreach (var subscription in _registry.Of(message.Channel))
        {
            await subscription.DeliverAsync(message.Payload, cancellationToken);
        }
    }

    private async ValueTask OnSubscribedAsync(string channel, CancellationToken cancellationToken)
    {
        foreach (var subscription in _registry.Of(channel))
        {
            await subscription.SubscribedAsync(cancellationToken);
        }
    }
}
