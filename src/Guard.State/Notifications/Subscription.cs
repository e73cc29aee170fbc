using Microsoft.Extensions.Logging;

namespace Guard.State.Notifications;

/// <summary>One <see cref="IStateNotifications.Subscribe"/> call: its handlers, run with their failures logged, and
/// the handle that ends it.</summary>
internal sealed partial class Subscription(
    string channel,
    Func<ReadOnlyMemory<byte>, CancellationToken, ValueTask> onMessage,
    Func<CancellationToken, ValueTask>? onSubscribed,
    Action<Subscription> release,
    ILogger logger) : IAsyncDisposable
{
    private int _disposed;

    /// <summary>The channel as the backend names it.</summary>
    public string Channel => channel;

    /// <exception cref="OperationCanceledException">Shutting down (<paramref name="cancellationToken"/> fired).</exception>
    public async ValueTask DeliverAsync(ReadOnlyMemory<byte> message, CancellationToken cancellationToken)
    {
        if (Volatile.Read(ref _disposed) != 0)
        {
            return;
        }

        try
        {
            await onMessage(message, cancellationToken);
        }
        catch (Exception e) when (!(e is OperationCanceledException && cancellationToken.IsCancellationRequested))
        {
            // One subscriber's bug must not stop delivery to the others, or of later messages.
            LogHandlerFailed(logger, "message", channel, e);
        }
    }

    /// <exception cref="OperationCanceledException">Shutting down (<paramref name="cancellationToken"/> fired).</exception>
    public async ValueTask SubscribedAsync(CancellationToken cancellationToken)
    {
        if (onSubscribed is null || Volatile.Read(ref _disposed) != 0)
        {
            return;
        }

        try
        {
            await onSubscribed(cancellationToken);
        }
        catch (Exception e) when (!(e is OperationCanceledException && cancellationToken.IsCancellationRequested))
        {
            LogHandlerFailed(logger, "subscribed", channel, e);
        }
    }

    public ValueTask DisposeAsync()
    {
        if (Interlocked.Exchange(ref _disposed, 1) == 0)
        {
            release(this);
        }

        return ValueTask.CompletedTask;
    }

    [LoggerMessage(Level = LogLevel.Error, Message = "A state notification {Handler} handler failed on channel {Channel}; delivery goes on")]
    private static partial void LogHandlerFailed(ILogger logger, string handler, string channel, Exception exception);
}
