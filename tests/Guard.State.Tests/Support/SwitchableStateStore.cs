namespace Guard.State.Tests.Support;

/// <summary>A store in front of another that counts the calls reaching it and can be switched to fail them as
/// unavailable (or as broken), standing in for a Redis that goes away.</summary>
public sealed class SwitchableStateStore(IStateStore inner) : IStateStore
{
    private int _calls;
    private volatile bool _down;
    private volatile bool _broken;

    /// <summary>Calls fail with <see cref="StateUnavailableException"/>.</summary>
    public bool Down { get => _down; set => _down = value; }

    /// <summary>Calls fail with <see cref="InvalidOperationException"/> (an error reply: reachable, but wrong).</summary>
    public bool Broken { get => _broken; set => _broken = value; }

    public IStateStore Inner => inner;

    public int Calls => Volatile.Read(ref _calls);

    public ValueTask<AdmissionResult> AdmitAsync(AdmissionRequest request, CancellationToken cancellationToken = default) =>
        Pass(() => inner.AdmitAsync(request, cancellationToken));

    public ValueTask BanAsync(string client, TimeSpan ttl, string reason, CancellationToken cancellationToken = default)
    {
        Enter();
        return inner.BanAsync(client, ttl, reason, cancellationToken);
    }

    public ValueTask<bool> UnbanAsync(string client, CancellationToken cancellationToken = default) => Pass(() => inner.UnbanAsync(client, cancellationToken));

    public ValueTask<BanInfo?> GetBanAsync(string client, CancellationToken cancellationToken = default) => Pass(() => inner.GetBanAsync(client, cancellationToken));

    public ValueTask<IReadOnlyList<BanInfo>> ListBansAsync(int limit = 100, CancellationToken cancellationToken = default) => Pass(() => inner.ListBansAsync(limit, cancellationToken));

    public ValueTask AddToListAsync(ClientList list, string client, TimeSpan? ttl = null, CancellationToken cancellationToken = default)
    {
        Enter();
        return inner.AddToListAsync(list, client, ttl, cancellationToken);
    }

    public ValueTask<bool> RemoveFromListAsync(ClientList list, string client, CancellationToken cancellationToken = default) => Pass(() => inner.RemoveFromListAsync(list, client, cancellationToken));

    public ValueTask<bool> IsListedAsync(ClientList list, string client, CancellationToken cancellationToken = default) => Pass(() => inner.IsListedAsync(list, client, cancellationToken));

    public ValueTask<long> IncrementAsync(string key, long delta = 1, TimeSpan? ttl = null, CancellationToken cancellationToken = default) => Pass(() => inner.IncrementAsync(key, delta, ttl, cancellationToken));

    public ValueTask<byte[]?> GetAsync(string key, CancellationToken cancellationToken = default) => Pass(() => inner.GetAsync(key, cancellationToken));

    public ValueTask SetAsync(string key, byte[] value, TimeSpan? ttl = null, CancellationToken cancellationToken = default)
    {
        Enter();
        return inner.SetAsync(key, value, ttl, cancellationToken);
    }

    public ValueTask<bool> DeleteAsync(string key, CancellationToken cancellationToken = default) => Pass(() => inner.DeleteAsync(key, cancellationToken));

    public ValueTask<bool> CompareAndSetAsync(string key, byte[]? expected, byte[] value, CancellationToken cancellationToken = default) =>
        Pass(() => inner.CompareAndSetAsync(key, expected, value, cancellationToken));

    private ValueTask<T> Pass<T>(Func<ValueTask<T>> call)
    {
        Enter();
        return call();
    }

    private void Enter()
    {
        Interlocked.Increment(ref _calls);
        if (Down)
        {
            throw new StateUnavailableException("switched off");
        }
        if (Broken)
        {
            throw new InvalidOperationException("broken");
        }
    }
}
