using System.Threading.Channels;
using Microsoft.Extensions.Logging;

namespace Guard.State.Notifications;

/// <summary>
/// Notifications within this process, for the embedded backend (one Guard, nothing shared): a publish is fanned out
/// to this process's subscribers on a loop of its own, so handlers run one at a time, in publish order, and never on
/// the publisher's call, as they would with Redis. Nothing can be missed in-process, so <c>onSubscribed</c> runs
/// exactly once, before any message published after <see cref="Subscribe"/>.
/// </summary>
/// <remarks>The queue is unbounded: a bound would either block publishers (a handler that publishes would wait on
/// itself) or drop messages, and in-process publishers are Guard's own, rare state changes.</remarks>
public sealed class EmbeddedStateNotifications : IStateNotifications, IAsyncDisposable
{
    private readonly SubscriptionRegistry _registry = new();
    private readonly Channel<Func<CancellationToken, ValueTask>> _work =
        Channel.CreateUnbounded<Func<CancellationToken, ValueTask>>(new UnboundedChannelOptions { SingleReader = true });

    private readonly CancellationTokenSource _stopping = new();

    /// <summary>True in the loop's flow, so in every handler: disposing from a handler must not wait for the loop to end.</summary>
    private readonly AsyncLocal<bool> _inHandler = new();
    private readonly ILogger _logger;
    private readonly Task _loop;
    private int _disposed;

    public EmbeddedStateNotifications(ILogger<EmbeddedStateNotifications> logger)
    {
        ArgumentNullException.ThrowIfNull(logger);
        _logger = logger;

        // The loop outlives whoever created this; it must not carry that caller's context (trace, scopes).
        using (ExecutionContext.SuppressFlow())
        {
            _loop = Task.Run(RunAsync);
        }
    }

    public ValueTask PublishAsync(string channel, ReadOnlyMemory<byte> message, CancellationToken cancellationToken = default)
    {
        ArgumentException.ThrowIfNullOrEmpty(channel);
        cancellationToken.ThrowIfCancellationRequested();
        var subscribers = _registry.Of(channel);
        if (subscribers.Length > 0)
        {
            // A copy of its own: the caller may reuse its buffer as soon as this returns.
            var payload = message.ToArray();
            Post(async stopping =>
            {
                foreach (var subscriber in subscribers)
                {
                    await subscriber.DeliverAsync(payload, stopping);
                }
            });
        }

        return ValueTask.CompletedTask;
    }

    public IAsyncDisposable Subscribe(
        string channel,
        Func<ReadOnlyMemory<byte>, CancellationToken, ValueTask> onMessage,
        Func<CancellationToken, ValueTask>? onSubscribed = null)
    {
        ArgumentException.ThrowIfNullOrEmpty(channel);
        ArgumentNullException.ThrowIfNull(onMessage);
        ObjectDisposedException.ThrowIf(Volatile.Read(ref _disposed) != 0, this);
        var subscription = new Subscription(channel, onMessage, onSubscribed, s => _registry.Remove(s), _logger);

        // Registered before onSubscribed is queued: whatever is published after the re-read it does is delivered.
        _registry.Add(subscription);
        Post(subscription.SubscribedAsync);
        return subscription;
    }

    /// <summary>Stops the loop: queued deliveries are dropped and a running handler's token is cancelled; waits for
    /// that handler unless called from one.</summary>
    public async ValueTask DisposeAsync()
    {
        if (Interlocked.Exchange(ref _disposed, 1) != 0)
        {
            return;
        }

        _work.Writer.TryComplete();
        await _stopping.CancelAsync();
        if (_inHandler.Value)
        {
            return;
        }

        await _loop;
        _stopping.Dispose();
    }

    private void Post(Func<CancellationToken, ValueTask> work) =>
        ObjectDisposedException.ThrowIf(!_work.Writer.TryWrite(work), this);

    private async Task RunAsync()
    {
        _inHandler.Value = true;
        var stopping = _stopping.Token;
        try
        {
            // Each item logs its own handlers' failures; only shutdown ends the loop.
            await foreach (var work in _work.Reader.ReadAllAsync(stopping))
            {
                await work(stopping);
            }
        }
        catch (OperationCanceledException) when (stopping.IsCancellationRequested)
        {
        }
    }
}
