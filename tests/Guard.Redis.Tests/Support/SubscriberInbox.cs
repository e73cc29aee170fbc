using System.Threading.Channels;
using Guard.Redis.PubSub;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Logging.Abstractions;

namespace Guard.Redis.Tests.Support;

/// <summary>What a <see cref="RedisSubscriber"/> delivered, in order: messages, and each channel confirmation.</summary>
public sealed class SubscriberInbox
{
    /// <summary>Generous: a loaded CI machine can be slow; the 2 s promise is checked where it matters.</summary>
    public static readonly TimeSpan Patience = TimeSpan.FromSeconds(10);

    private readonly Channel<RedisMessage> _messages = Channel.CreateUnbounded<RedisMessage>();
    private readonly Channel<string> _subscribed = Channel.CreateUnbounded<string>();

    /// <summary>A subscriber delivering here, with the test command timeout and a quick reconnect.</summary>
    public RedisSubscriber Subscriber(string endpoint, Action<RedisOptions>? configure = null, ILogger<RedisSubscriber>? logger = null) =>
        Subscriber([endpoint], configure, logger);

    public RedisSubscriber Subscriber(List<string> endpoints, Action<RedisOptions>? configure = null, ILogger<RedisSubscriber>? logger = null)
    {
        var options = new RedisOptions
        {
            Endpoints = endpoints,
            CommandTimeout = Clients.TestCommandTimeout,
            ReconnectMinBackoff = TimeSpan.FromMilliseconds(50),
            ReconnectMaxBackoff = TimeSpan.FromMilliseconds(200),
        };
        configure?.Invoke(options);
        return new RedisSubscriber(options, logger ?? NullLogger<RedisSubscriber>.Instance, OnMessageAsync, OnSubscribedAsync);
    }

    public ValueTask OnMessageAsync(RedisMessage message, CancellationToken cancellationToken)
    {
        _messages.Writer.TryWrite(message);
        return ValueTask.CompletedTask;
    }

    public ValueTask OnSubscribedAsync(string channel, CancellationToken cancellationToken)
    {
        _subscribed.Writer.TryWrite(channel);
        return ValueTask.CompletedTask;
    }

    public async Task<RedisMessage> NextMessageAsync(TimeSpan? within = null)
    {
        using var timeout = new CancellationTokenSource(within ?? Patience);
        return await _messages.Reader.ReadAsync(timeout.Token);
    }

    /// <summary>Waits until every one of <paramref name="channels"/> has been confirmed (again) from now on.</summary>
    public async Task SubscribedAsync(TimeSpan? within, params string[] channels)
    {
        using var timeout = new CancellationTokenSource(within ?? Patience);
        var waiting = new HashSet<string>(channels, StringComparer.Ordinal);
        while (waiting.Count > 0)
        {
            waiting.Remove(await _subscribed.Reader.ReadAsync(timeout.Token));
        }
    }

    public Task SubscribedAsync(params string[] channels) => SubscribedAsync(null, channels);

    /// <summary>Nothing more arrives within <paramref name="quiet"/>.</summary>
    public async Task<bool> StaysEmptyAsync(TimeSpan quiet)
    {
        await Task.Delay(quiet);
        return !_messages.Reader.TryPeek(out _);
    }
}
