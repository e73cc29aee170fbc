using System.Threading.Channels;

namespace Guard.State.Tests.Support;

/// <summary>What one subscription's handlers were given, in order: payloads, and each onSubscribed.</summary>
public sealed class NotificationInbox
{
    /// <summary>Generous: a loaded CI machine can be slow; the 2 s promise is checked where it matters.</summary>
    public static readonly TimeSpan Patience = TimeSpan.FromSeconds(10);

    private readonly Channel<byte[]> _messages = Channel.CreateUnbounded<byte[]>();
    private readonly Channel<int> _subscribed = Channel.CreateUnbounded<int>();
    private int _subscribedCount;

    public int SubscribedCount => Volatile.Read(ref _subscribedCount);

    public ValueTask OnMessageAsync(ReadOnlyMemory<byte> message, CancellationToken cancellationToken)
    {
        _messages.Writer.TryWrite(message.ToArray());
        return ValueTask.CompletedTask;
    }

    public ValueTask OnSubscribedAsync(CancellationToken cancellationToken)
    {
        _subscribed.Writer.TryWrite(Interlocked.Increment(ref _subscribedCount));
        return ValueTask.CompletedTask;
    }

    public async Task<byte[]> NextAsync(TimeSpan? within = null)
    {
        using var timeout = new CancellationTokenSource(within ?? Patience);
        return await _messages.Reader.ReadAsync(timeout.Token);
    }

    /// <summary>The next onSubscribed from now on.</summary>
    public async Task SubscribedAsync(TimeSpan? within = null)
    {
        using var timeout = new CancellationTokenSource(within ?? Patience);
        await _subscribed.Reader.ReadAsync(timeout.Token);
    }

    /// <summary>No message arrives within <paramref name="quiet"/>.</summary>
    public async Task<bool> StaysEmptyAsync(TimeSpan quiet)
    {
        await Task.Delay(quiet);
        return !_messages.Reader.TryPeek(out _);
    }

    public bool IsEmpty => !_messages.Reader.TryPeek(out _);

    public static async Task Eventually(Func<Task<bool>> condition)
    {
        var deadline = DateTime.UtcNow + Patience;
        while (!await condition())
        {
            Assert.True(DateTime.UtcNow < deadline, "the condition did not become true in time");
            await Task.Delay(20);
        }
    }
}
