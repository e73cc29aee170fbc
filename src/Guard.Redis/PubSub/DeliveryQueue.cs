using System.Threading.Channels;
using Microsoft.Extensions.Logging;

namespace Guard.Redis.PubSub;

/// <summary>
/// Runs a subscriber's handlers one at a time, in arrival order, on a loop of its own, so that a slow handler never
/// stalls the connection's read loop (whose PING replies tell the subscriber the connection is alive). Bounded: when
/// a handler falls <see cref="Capacity"/> deliveries behind, <see cref="TryPost"/> fails and the subscriber drops its
/// connection rather than buffer without end or lose messages silently; the resubscription that follows tells the
/// handler to catch up. A handler's exception is logged and never ends the loop.
/// </summary>
internal sealed partial class DeliveryQueue : IAsyncDisposable
{
    public const int Capacity = 4096;

    private readonly Channel<Delivery> _queue = Channel.CreateBounded<Delivery>(
        new BoundedChannelOptions(Capacity) { SingleReader = true, FullMode = BoundedChannelFullMode.Wait });

    private readonly Func<RedisMessage, CancellationToken, ValueTask> _onMessage;
    private readonly Func<string, CancellationToken, ValueTask>? _onSubscribed;
    private readonly Func<string, bool> _isWanted;
    private readonly ILogger _logger;
    private readonly CancellationTokenSource _stopping = new();

    /// <summary>True in the loop's flow, so in every handler: disposing from a handler must not wait for the loop to end.</summary>
    private readonly AsyncLocal<bool> _inHandler = new();
    private readonly Task _loop;
    private int _disposed;

    /// <param name="isWanted">Whether the channel is still subscribed: a delivery queued before an unsubscribe is dropped.</param>
    public DeliveryQueue(
        Func<RedisMessage, CancellationToken, ValueTask> onMessage, Func<string, CancellationToken, ValueTask>? onSubscribed, Func<string, bool> isWanted, ILogger logger)
    {
        _onMessage = onMessage;
        _onSubscribed = onSubscribed;
        _isWanted = isWanted;
        _logger = logger;

        // The loop outlives whoever created the subscriber; it must not carry that caller's context (trace, scopes).
        using (ExecutionContext.SuppressFlow())
        {
            _loop = Task.Run(RunAsync);
        }
    }

    /// <summary>Queues a message without waiting (called on the read loop); false when the queue is full or closed.</summary>
    public bool TryPost(RedisMessage message) => _queue.Writer.TryWrite(new Delivery(message, Subscribed: false));

    /// <summary>Queues "<paramref name="channel"/> is subscribed", waiting for room: this one must not be lost.</summary>
    public ValueTask PostSubscribedAsync(string channel, CancellationToken cancellationToken) =>
        _queue.Writer.WriteAsync(new Delivery(new RedisMessage(channel, ReadOnlyMemory<byte>.Empty), Subscribed: true), cancellationToken);

    /// <summary>Stops: queued deliveries are dropped and the running handler's token is cancelled; waits for that
    /// handler to return, unless called from a handler.</summary>
    public async ValueTask DisposeAsync()
    {
        if (Interlocked.Exchange(ref _disposed, 1) != 0)
        {
            return;
        }

        _queue.Writer.TryComplete();
        await _stopping.CancelAsync();
        if (_inHandler.Value)
        {
            return;
        }

        await _loop;
        _stopping.Dispose();
    }

    private async Task RunAsync()
    {
        _inHandler.Value = true;
        var stopping = _stopping.Token;
        try
        {
            await foreach (var delivery in _queue.Reader.ReadAllAsync(stopping))
            {
                var channel = delivery.Message.Channel;
                if (!_isWanted(channel))
                {
                    continue;
                }

                try
                {
                    if (!delivery.Subscribed)
                    {
                        await _onMessage(delivery.Message, stopping);
                    }
                    else if (_onSubscribed is not null)
                    {
                        await _onSubscribed(channel, stopping);
                    }
                }
                catch (OperationCanceledException) when (stopping.IsCancellationRequested)
                {
                    return;
                }
                catch (Exception e)
                {
                    // A handler's bug must not end delivery of every later message.
                    LogHandlerFailed(_logger, delivery.Subscribed ? "subscribed" : "message", channel, e);
                }
            }
        }
        catch (OperationCanceledException) when (stopping.IsCancellationRequested)
        {
        }
    }

    private readonly record struct Delivery(RedisMessage Message, bool Subscribed);

    [LoggerMessage(Level = LogLevel.Error, Message = "A Redis subscriber's {Handler} handler failed for channel {Channel}; delivery goes on")]
    private static partial void LogHandlerFailed(ILogger logger, string handler, string channel, Exception exception);
}
