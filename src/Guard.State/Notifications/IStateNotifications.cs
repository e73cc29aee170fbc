namespace Guard.State.Notifications;

/// <summary>
/// Change notification between the Guard processes that share one state backend: a process that changes shared
/// state (a new policy version written with <see cref="IStateStore.CompareAndSetAsync"/>, say) publishes on a
/// channel, and every process subscribed to it, the publisher included, runs its handler within moments. Backends:
/// <see cref="EmbeddedStateNotifications"/> (this process only) and <see cref="RedisStateNotifications"/> (Redis
/// pub/sub, for every process using the same Redis and key prefix).
/// </summary>
/// <remarks>
/// Delivery is at most once and nothing is kept: a process cut off from the backend when a message goes out never
/// sees it. So a message should say what changed (a key, a version) while the state store holds the truth, and
/// <c>onSubscribed</c> is where a subscriber reads that truth: it runs once the subscription is active and again
/// whenever messages may have been missed (after a reconnect). Handlers of one backend run one at a time, in
/// arrival order, off the publisher's call; an exception from one is logged and delivery goes on.
/// </remarks>
public interface IStateNotifications
{
    /// <summary>Sends <paramref name="message"/> to every subscriber of <paramref name="channel"/>; returns once it is
    /// sent, not once it is handled.</summary>
    /// <exception cref="StateUnavailableException">The backend could not be reached; the message may not have gone out.</exception>
    ValueTask PublishAsync(string channel, ReadOnlyMemory<byte> message, CancellationToken cancellationToken = default);

    /// <summary>Runs <paramref name="onMessage"/> for each message on <paramref name="channel"/> until the returned
    /// handle is disposed. Never throws for an unreachable backend: the subscription becomes active when it is back.</summary>
    /// <param name="onMessage">Gets the payload (never reused; it may be kept, not written) and a token cancelled at shutdown.</param>
    /// <param name="onSubscribed">Runs once the subscription is active and after every gap in which messages may have
    /// been lost; re-read the state here. It may also run when nothing was missed, so it must be idempotent.</param>
    /// <returns>Disposing it stops deliveries to these handlers; one already running is not waited for.</returns>
    IAsyncDisposable Subscribe(
        string channel,
        Func<ReadOnlyMemory<byte>, CancellationToken, ValueTask> onMessage,
        Func<CancellationToken, ValueTask>? onSubscribed = null);
}
