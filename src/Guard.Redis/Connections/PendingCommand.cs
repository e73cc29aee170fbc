using Guard.Redis.Protocol;

namespace Guard.Redis.Connections;

/// <summary>
/// A command written to a connection and waiting for its reply. It stays queued even when its caller gives up
/// (cancellation) because replies arrive strictly in order: the reply must still be consumed, then dropped.
/// </summary>
internal sealed class PendingCommand : TaskCompletionSource<RedisReply>
{
    private readonly bool _silent;
    private CancellationTokenRegistration _cancellation;

    /// <param name="silent">Nobody awaits the result (ASKING): end it cancelled, never faulted, so no exception goes unobserved.</param>
    public PendingCommand(bool silent = false)
        : base(TaskCreationOptions.RunContinuationsAsynchronously)
    {
        _silent = silent;
    }

    /// <summary>Environment.TickCount64 after which the connection counts as hung; set when the command is written.</summary>
    public long Deadline { get; set; } = long.MaxValue;

    /// <summary>The timeout the deadline came from, for the error message.</summary>
    public long TimeoutMs { get; set; }

    /// <summary>The command, kept only while it waits in a node's backlog for a connection.</summary>
    public RedisCommand? Command { get; init; }

    public bool Asking { get; init; }

    /// <summary>Completes the caller's task as cancelled when <paramref name="token"/> fires; call before queueing.</summary>
    public void WatchCancellation(CancellationToken token)
    {
        if (token.CanBeCanceled)
        {
            _cancellation = token.UnsafeRegister(static (state, token) => ((PendingCommand)state!).TrySetCanceled(token), this);
        }
    }

    public void Complete(RedisReply reply)
    {
        TrySetResult(reply);
        _cancellation.Unregister();
    }

    public void Fail(Exception error)
    {
        if (_silent)
        {
            TrySetCanceled();
        }
        else
        {
            TrySetException(error);
        }

        _cancellation.Unregister();
    }
}
