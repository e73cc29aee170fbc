namespace Guard.State;

/// <summary>
/// Client state shared by every Guard process that uses the same backend: bans, allow/deny lists, token buckets,
/// quotas and small keyed values. <see cref="AdmitAsync"/> is the hot path: one call per request that checks and
/// takes everything atomically (one Redis round trip in the common case); the rest is for management and for
/// guards that need a counter or a value. Implementations are thread-safe.
/// </summary>
/// <remarks>
/// Backends: <see cref="Embedded.EmbeddedStateStore"/> (in-process, the default),
/// <see cref="Redis.RedisStateStore"/> (shared by processes), and <see cref="Resilience.ResilientStateStore"/>, which
/// puts a circuit breaker and a local fallback in front of the Redis one. A backend that cannot be reached throws
/// <see cref="StateUnavailableException"/>. Changes other processes should react to at once are announced through
/// <see cref="Notifications.IStateNotifications"/>.
/// </remarks>
public interface IStateStore
{
    /// <summary>
    /// Decides one request, atomically. In order: a client on the deny list is <see cref="AdmissionOutcome.Denied"/>;
    /// a banned client is <see cref="AdmissionOutcome.Banned"/>; a client on the allow list is admitted without
    /// applying any limit (<see cref="AdmissionResult.AllowListed"/>); otherwise every token bucket and quota must have
    /// room for <see cref="AdmissionRequest.Cost"/>, and only then is the cost taken from all of them. A refused
    /// request takes nothing from any limit (all-or-nothing).
    /// </summary>
    /// <remarks>
    /// The deny list outranks a ban so that an operator's explicit "no" is reported as such; the allow list is a
    /// bypass of limits only, never of a ban or the deny list, so allow-listing cannot undo a ban by mistake.
    /// </remarks>
    /// <exception cref="ArgumentException">The request is inconsistent (e.g. two limits with the same name).</exception>
    ValueTask<AdmissionResult> AdmitAsync(AdmissionRequest request, CancellationToken cancellationToken = default);

    /// <summary>Bans <paramref name="client"/> for <paramref name="ttl"/>, replacing any ban it has.</summary>
    ValueTask BanAsync(string client, TimeSpan ttl, string reason, CancellationToken cancellationToken = default);

    /// <summary>Lifts a ban; false if the client was not banned.</summary>
    ValueTask<bool> UnbanAsync(string client, CancellationToken cancellationToken = default);

    /// <summary>The client's ban, or null.</summary>
    ValueTask<BanInfo?> GetBanAsync(string client, CancellationToken cancellationToken = default);

    /// <summary>Up to <paramref name="limit"/> current bans (1 to <see cref="MaxListedBans"/>), in no promised order.</summary>
    ValueTask<IReadOnlyList<BanInfo>> ListBansAsync(int limit = 100, CancellationToken cancellationToken = default);

    /// <summary>Puts <paramref name="client"/> on a list, for <paramref name="ttl"/> or (null) until removed.</summary>
    ValueTask AddToListAsync(ClientList list, string client, TimeSpan? ttl = null, CancellationToken cancellationToken = default);

    /// <summary>Takes <paramref name="client"/> off a list; false if it was not on it.</summary>
    ValueTask<bool> RemoveFromListAsync(ClientList list, string client, CancellationToken cancellationToken = default);

    ValueTask<bool> IsListedAsync(ClientList list, string client, CancellationToken cancellationToken = default);

    /// <summary>
    /// Adds <paramref name="delta"/> to the integer at <paramref name="key"/> (a missing key counts as 0) and returns
    /// the new value. <paramref name="ttl"/> is applied only when the key has no expiry yet, so repeated increments
    /// count within a window that starts at the first one.
    /// </summary>
    /// <exception cref="InvalidOperationException">The key holds a value that is not an integer.</exception>
    ValueTask<long> IncrementAsync(string key, long delta = 1, TimeSpan? ttl = null, CancellationToken cancellationToken = default);

    /// <summary>The value at <paramref name="key"/>, or null. A counter reads as its decimal digits (ASCII).</summary>
    ValueTask<byte[]?> GetAsync(string key, CancellationToken cancellationToken = default);

    /// <summary>Stores <paramref name="value"/> at <paramref name="key"/>, for <paramref name="ttl"/> or (null) without expiry.</summary>
    ValueTask SetAsync(string key, byte[] value, TimeSpan? ttl = null, CancellationToken cancellationToken = default);

    /// <summary>Removes <paramref name="key"/>; false if it did not exist.</summary>
    ValueTask<bool> DeleteAsync(string key, CancellationToken cancellationToken = default);

    /// <summary>
    /// Sets <paramref name="key"/> to <paramref name="value"/> only if its current value equals
    /// <paramref name="expected"/> byte for byte (null: only if the key does not exist), atomically; true if it set.
    /// The value is stored without expiry; a counter's current value is its decimal digits, as <see cref="GetAsync"/>
    /// reads it.
    /// </summary>
    /// <remarks>
    /// For versioned documents that several writers may change (policies): read, change, and write back with what was
    /// read as <paramref name="expected"/>; false means another writer got there first, so read again. The embedded
    /// store never evicts such values before other kinds: losing one would fork what replicas agreed on.
    /// </remarks>
    /// <exception cref="StateUnavailableException">The backend could not be reached; whether the value was set is
    /// unknown until it is read again.</exception>
    ValueTask<bool> CompareAndSetAsync(string key, byte[]? expected, byte[] value, CancellationToken cancellationToken = default);

    /// <summary>The most bans one <see cref="ListBansAsync"/> returns.</summary>
    public const int MaxListedBans = 10_000;
}
