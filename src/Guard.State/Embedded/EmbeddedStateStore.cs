using System.Globalization;
using System.Text;

namespace Guard.State.Embedded;

/// <summary>
/// State in this process's memory: the default backend for a single Guard, and the local fallback of
/// <see cref="Resilience.ResilientStateStore"/>. Bounded by <see cref="EmbeddedStateOptions.MaxEntries"/> (expired
/// entries go first, then the least recently used; see <see cref="EntryTable"/>). An admission locks the shards of
/// every key it reads or writes for the whole decision, which makes it atomic across its buckets and quotas.
/// Time comes from the injected <see cref="TimeProvider"/>.
/// </summary>
/// <remarks>Evicting a bucket forgets what was taken from it (the client gets a full bucket): under memory
/// pressure the store errs toward admitting, never toward unbounded growth.</remarks>
public sealed class EmbeddedStateStore : IStateStore
{
    private readonly EntryTable _table;
    private readonly StateKeys _keys;
    private readonly TimeProvider _time;

    public EmbeddedStateStore(EmbeddedStateOptions options, TimeProvider timeProvider, string keyPrefix = "")
    {
        ArgumentNullException.ThrowIfNull(options);
        ArgumentNullException.ThrowIfNull(timeProvider);
        _table = new EntryTable(options.MaxEntries);
        _keys = new StateKeys(keyPrefix);
        _time = timeProvider;
    }

    /// <summary>Entries held now (live and not yet swept expired ones), for metrics.</summary>
    public int Count => _table.Count;

    public ValueTask<AdmissionResult> AdmitAsync(AdmissionRequest request, CancellationToken cancellationToken = default)
    {
        cancellationToken.ThrowIfCancellationRequested();
        var plan = AdmissionPlan.Create(request, _keys);
        var nowUs = NowUs();
        AdmissionResult result;
        using (_table.Lock(KeysOf(plan)))
        {
            result = CheckLists(plan, nowUs) ?? TakeFromLimits(plan, nowUs);
        }
        _table.Trim(nowUs);
        return ValueTask.FromResult(result);
    }

    public ValueTask BanAsync(string client, TimeSpan ttl, string reason, CancellationToken cancellationToken = default)
    {
        ArgumentException.ThrowIfNullOrEmpty(client);
        ArgumentNullException.ThrowIfNull(reason);
        ArgumentOutOfRangeException.ThrowIfLessThanOrEqual(ttl, TimeSpan.Zero);
        cancellationToken.ThrowIfCancellationRequested();
        Put(_keys.Ban(client), new BanState(client, reason), ttl);
        return ValueTask.CompletedTask;
    }

    public ValueTask<bool> UnbanAsync(string client, CancellationToken cancellationToken = default)
    {
        ArgumentException.ThrowIfNullOrEmpty(client);
        cancellationToken.ThrowIfCancellationRequested();
        return ValueTask.FromResult(Remove(_keys.Ban(client)));
    }

    public ValueTask<BanInfo?> GetBanAsync(string client, CancellationToken cancellationToken = default)
    {
        ArgumentException.ThrowIfNullOrEmpty(client);
        cancellationToken.ThrowIfCancellationRequested();
        var key = _keys.Ban(client);
        var nowUs = NowUs();
        using (_table.Lock(key))
        {
            return ValueTask.FromResult(_table.Find(key, nowUs) is { Value: BanState ban } entry ? ToInfo(ban, entry, nowUs) : null);
        }
    }

    public ValueTask<IReadOnlyList<BanInfo>> ListBansAsync(int limit = 100, CancellationToken cancellationToken = default)
    {
        ArgumentOutOfRangeException.ThrowIfLessThan(limit, 1);
        ArgumentOutOfRangeException.ThrowIfGreaterThan(limit, IStateStore.MaxListedBans);
        cancellationToken.ThrowIfCancellationRequested();
        var nowUs = NowUs();
        var bans = new List<BanInfo>();
        _table.Scan(nowUs, (_, entry) =>
        {
            if (entry.Value is BanState ban)
            {
                bans.Add(ToInfo(ban, entry, nowUs));
            }
            return bans.Count < limit;
        });
        return ValueTask.FromResult<IReadOnlyList<BanInfo>>(bans);
    }

    public ValueTask AddToListAsync(ClientList list, string client, TimeSpan? ttl = null, CancellationToken cancellationToken = default)
    {
        ArgumentException.ThrowIfNullOrEmpty(client);
        ValidateTtl(ttl);
        cancellationToken.ThrowIfCancellationRequested();
        Put(_keys.List(list, client), ListMark.Instance, ttl);
        return ValueTask.CompletedTask;
    }

    public ValueTask<bool> RemoveFromListAsync(ClientList list, string client, CancellationToken cancellationToken = default)
    {
        ArgumentException.ThrowIfNullOrEmpty(client);
        cancellationToken.ThrowIfCancellationRequested();
        return ValueTask.FromResult(Remove(_keys.List(list, client)));
    }

    public ValueTask<bool> IsListedAsync(ClientList list, string client, CancellationToken cancellationToken = default)
    {
        ArgumentException.ThrowIfNullOrEmpty(client);
        cancellationToken.ThrowIfCancellationRequested();
        var key = _keys.List(list, client);
        var nowUs = NowUs();
        using (_table.Lock(key))
        {
            return ValueTask.FromResult(_table.Find(key, nowUs) is not null);
        }
    }

    public ValueTask<long> IncrementAsync(string key, long delta = 1, TimeSpan? ttl = null, CancellationToken cancellationToken = default)
    {
        ArgumentException.ThrowIfNullOrEmpty(key);
        ValidateTtl(ttl);
        cancellationToken.ThrowIfCancellationRequested();
        var stored = _keys.Value(key);
        var nowUs = NowUs();
        long value;
        using (_table.Lock(stored))
        {
            var entry = _table.Find(stored, nowUs);
            value = checked((entry is null ? 0 : ReadCounter(entry.Value)) + delta);
            var expiresAtUs = entry is { ExpiresAtUs: not Entry.Never } ? entry.ExpiresAtUs : ExpiresAt(nowUs, ttl);
            _table.Put(stored, new CounterState(value), expiresAtUs);
        }
        _table.Trim(nowUs);
        return ValueTask.FromResult(value);
    }

    public ValueTask<byte[]?> GetAsync(string key, CancellationToken cancellationToken = default)
    {
        ArgumentException.ThrowIfNullOrEmpty(key);
        cancellationToken.ThrowIfCancellationRequested();
        var stored = _keys.Value(key);
        var nowUs = NowUs();
        using (_table.Lock(stored))
        {
            return ValueTask.FromResult(ValueBytes(_table.Find(stored, nowUs)?.Value)?.ToArray());
        }
    }

    public ValueTask SetAsync(string key, byte[] value, TimeSpan? ttl = null, CancellationToken cancellationToken = default)
    {
        ArgumentException.ThrowIfNullOrEmpty(key);
        ArgumentNullException.ThrowIfNull(value);
        ValidateTtl(ttl);
        cancellationToken.ThrowIfCancellationRequested();
        Put(_keys.Value(key), value.ToArray(), ttl);
        return ValueTask.CompletedTask;
    }

    public ValueTask<bool> DeleteAsync(string key, CancellationToken cancellationToken = default)
    {
        ArgumentException.ThrowIfNullOrEmpty(key);
        cancellationToken.ThrowIfCancellationRequested();
        return ValueTask.FromResult(Remove(_keys.Value(key)));
    }

    public ValueTask<bool> CompareAndSetAsync(string key, byte[]? expected, byte[] value, CancellationToken cancellationToken = default)
    {
        ArgumentException.ThrowIfNullOrEmpty(key);
        ArgumentNullException.ThrowIfNull(value);
        cancellationToken.ThrowIfCancellationRequested();
        var stored = _keys.Value(key);
        var nowUs = NowUs();
        bool set;
        using (_table.Lock(stored))
        {
            var current = ValueBytes(_table.Find(stored, nowUs)?.Value);
            set = expected is null ? current is null : current is not null && current.AsSpan().SequenceEqual(expected);
            if (set)
            {
                _table.Put(stored, new CoordinationValue(value.ToArray()), Entry.Never);
            }
        }
        if (set)
        {
            _table.Trim(nowUs);
        }
        return ValueTask.FromResult(set);
    }

    /// <summary>A value as <see cref="GetAsync"/> reads it (the stored array itself: copy before handing it out); null if none.</summary>
    private static byte[]? ValueBytes(object? value) => value switch
    {
        byte[] bytes => bytes,
        CoordinationValue coordination => coordination.Bytes,
        CounterState counter => Encoding.ASCII.GetBytes(counter.Value.ToString(CultureInfo.InvariantCulture)),
        _ => null,
    };

    private static string[] KeysOf(AdmissionPlan plan)
    {
        var keys = new string[3 + plan.Buckets.Count + plan.Quotas.Count];
        keys[0] = plan.BanKey;
        keys[1] = plan.DenyKey;
        keys[2] = plan.AllowKey;
        var i = 3;
        foreach (var bucket in plan.Buckets)
        {
            keys[i++] = bucket.Key;
        }
        foreach (var quota in plan.Quotas)
        {
            keys[i++] = quota.Key;
        }
        return keys;
    }

    /// <summary>Deny list, ban, allow list, in that order (see <see cref="IStateStore.AdmitAsync"/>); null: go on to the limits.</summary>
    private AdmissionResult? CheckLists(AdmissionPlan plan, long nowUs)
    {
        if (_table.Find(plan.DenyKey, nowUs) is not null)
        {
            return AdmissionResult.Denied;
        }
        if (_table.Find(plan.BanKey, nowUs) is { Value: BanState ban } banEntry)
        {
            return AdmissionResult.Banned(ban.Reason, Remaining(banEntry, nowUs));
        }
        return _table.Find(plan.AllowKey, nowUs) is not null ? AdmissionResult.AdmittedByAllowList : null;
    }

    /// <summary>Checks every limit first and takes from them only if all have room (all-or-nothing).</summary>
    private AdmissionResult TakeFromLimits(AdmissionPlan plan, long nowUs)
    {
        var nowMs = nowUs / 1000;
        var cost = plan.Cost;
        AdmissionResult? refusal = null;
        TimeSpan? refusalWait = null;

        var tokens = new double[plan.Buckets.Count];
        for (var i = 0; i < tokens.Length; i++)
        {
            var (key, limit) = plan.Buckets[i];
            tokens[i] = _table.Find(key, nowUs)?.Value is BucketState state
                ? Limits.Refill(state.Tokens, state.StampUs, nowUs, limit)
                : limit.Capacity;
            if (tokens[i] < cost)
            {
                var wait = Limits.BucketRetryAfter(tokens[i], cost, limit);
                if (Limits.IsWorse(wait, refusalWait, refusal is not null))
                {
                    (refusal, refusalWait) = (AdmissionResult.RateLimited(limit.Name, wait), wait);
                }
            }
        }

        var used = new long[plan.Quotas.Count];
        var starts = new long[plan.Quotas.Count];
        for (var j = 0; j < used.Length; j++)
        {
            var (key, limit) = plan.Quotas[j];
            starts[j] = Limits.WindowStartMs(nowMs, limit);
            used[j] = _table.Find(key, nowUs)?.Value is QuotaState state && state.WindowStartMs == starts[j] ? state.Used : 0;
            if (used[j] + cost > limit.Limit)
            {
                TimeSpan? wait = cost > limit.Limit ? null : Limits.WindowRemaining(starts[j], nowMs, limit);
                if (Limits.IsWorse(wait, refusalWait, refusal is not null))
                {
                    (refusal, refusalWait) = (AdmissionResult.QuotaExceeded(limit.Name, wait), wait);
                }
            }
        }

        if (refusal is not null)
        {
            return refusal;
        }
        for (var i = 0; i < tokens.Length; i++)
        {
            var (key, limit) = plan.Buckets[i];
            var left = tokens[i] - cost;
            _table.Put(key, new BucketState(left, nowUs), ExpiresAt(nowUs, Limits.BucketLifetime(left, limit)));
        }
        for (var j = 0; j < used.Length; j++)
        {
            var (key, limit) = plan.Quotas[j];
            var windowEndUs = (starts[j] + (long)limit.Window.TotalMilliseconds) * 1000;
            _table.Put(key, new QuotaState(starts[j], used[j] + cost), windowEndUs);
        }
        return AdmissionResult.Admitted;
    }

    private void Put(string key, object value, TimeSpan? ttl)
    {
        var nowUs = NowUs();
        using (_table.Lock(key))
        {
            _table.Put(key, value, ExpiresAt(nowUs, ttl));
        }
        _table.Trim(nowUs);
    }

    private bool Remove(string key)
    {
        var nowUs = NowUs();
        using (_table.Lock(key))
        {
            return _table.Remove(key, nowUs);
        }
    }

    private static long ReadCounter(object value) => value switch
    {
        CounterState counter => counter.Value,
        byte[] bytes when long.TryParse(bytes, NumberStyles.AllowLeadingSign, CultureInfo.InvariantCulture, out var parsed) => parsed,
        CoordinationValue coordination when long.TryParse(coordination.Bytes, NumberStyles.AllowLeadingSign, CultureInfo.InvariantCulture, out var parsed) => parsed,
        _ => throw new InvalidOperationException("The key holds a value that is not an integer."),
    };

    private static BanInfo ToInfo(BanState ban, Entry entry, long nowUs) => new(ban.Client, ban.Reason, Remaining(entry, nowUs));

    private static TimeSpan Remaining(Entry entry, long nowUs) =>
        entry.ExpiresAtUs == Entry.Never ? TimeSpan.MaxValue : TimeSpan.FromMicroseconds(entry.ExpiresAtUs - nowUs);

    private static long ExpiresAt(long nowUs, TimeSpan? ttl) =>
        ttl is { } t ? nowUs + (long)Math.Ceiling(t.TotalMicroseconds) : Entry.Never;

    private static void ValidateTtl(TimeSpan? ttl)
    {
        if (ttl is { } t)
        {
            ArgumentOutOfRangeException.ThrowIfLessThanOrEqual(t, TimeSpan.Zero, nameof(ttl));
        }
    }

    private long NowUs() => (_time.GetUtcNow() - DateTimeOffset.UnixEpoch).Ticks / 10;
}
