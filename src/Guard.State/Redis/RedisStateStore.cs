using System.Globalization;
using Guard.Redis;

namespace Guard.State.Redis;

/// <summary>
/// State in Redis, shared by every Guard process that uses it; each operation is one Lua script or command, so it
/// is atomic on the server whatever the number of processes.
/// </summary>
/// <remarks>
/// <para>Keys (see <see cref="StateKeys"/>): <c>{prefix}{c:client}:ban|allow|deny</c>, <c>{prefix}{c:client}:tb:name</c>
/// and <c>:q:name</c> (plus <c>:model</c> for <see cref="LimitScope.ClientModel"/>), <c>{prefix}{m:model}:tb|q:name</c>
/// for <see cref="LimitScope.Model"/>, <c>{prefix}{k:key}</c> for values and <c>{prefix}bans</c>, the index of bans.</para>
/// <para>Round trips per admission: one EVALSHA, always on a standalone server. In Redis Cluster
/// (<see cref="RedisOptions.Cluster"/>) a model-wide limit lives in its model's slot, not the client's, and no script
/// may span slots; so a request with <see cref="LimitScope.Model"/> limits takes a second EVALSHA for them after the
/// client's succeeded, and if that one refuses, a third gives back what the first took. Such a request is
/// all-or-nothing once the refund lands, not atomically; requests without model-wide limits stay one round trip.</para>
/// <para>Bans are also recorded in the index (another slot), so <see cref="BanAsync"/> is two round trips, and
/// <see cref="ListBansAsync"/> reads the index and then each ban, concurrently.</para>
/// </remarks>
public sealed class RedisStateStore : IStateStore
{
    private readonly RedisCalls _redis;
    private readonly StateKeys _keys;
    private readonly bool _splitModelLimits;

    /// <param name="client">Shared; not disposed by the store.</param>
    /// <param name="options">The key prefix, and <see cref="StateOptions.Redis"/>.Cluster for the layout of round trips.</param>
    public RedisStateStore(RedisClient client, StateOptions options)
    {
        ArgumentNullException.ThrowIfNull(client);
        ArgumentNullException.ThrowIfNull(options);
        _redis = new RedisCalls(client);
        _keys = new StateKeys(options.KeyPrefix);
        _splitModelLimits = options.Redis.Cluster;
    }

    public async ValueTask<AdmissionResult> AdmitAsync(AdmissionRequest request, CancellationToken cancellationToken = default)
    {
        var plan = AdmissionPlan.Create(request, _keys);
        if (!_splitModelLimits || (!plan.Buckets.Any(IsModelWide) && !plan.Quotas.Any(IsModelWide)))
        {
            return (await AdmitAsync(plan, checks: true, plan.Buckets, plan.Quotas, cancellationToken)).Result;
        }

        var clientBuckets = plan.Buckets.Where(b => !IsModelWide(b)).ToArray();
        var clientQuotas = plan.Quotas.Where(q => !IsModelWide(q)).ToArray();
        var first = await AdmitAsync(plan, checks: true, clientBuckets, clientQuotas, cancellationToken);
        if (!first.Result.IsAdmitted || first.Result.AllowListed)
        {
            return first.Result;
        }
        var second = await AdmitAsync(plan, checks: false, plan.Buckets.Where(IsModelWide).ToArray(), plan.Quotas.Where(IsModelWide).ToArray(), cancellationToken);
        if (!second.Result.IsAdmitted && (clientBuckets.Length > 0 || clientQuotas.Length > 0))
        {
            await RefundAsync(plan.Cost, clientBuckets, clientQuotas, first.NowMs, cancellationToken);
        }
        return second.Result;
    }

    public async ValueTask BanAsync(string client, TimeSpan ttl, string reason, CancellationToken cancellationToken = default)
    {
        ArgumentException.ThrowIfNullOrEmpty(client);
        ArgumentNullException.ThrowIfNull(reason);
        ArgumentOutOfRangeException.ThrowIfLessThanOrEqual(ttl, TimeSpan.Zero);
        var expiresAt = await _redis.EvalAsync(StateScripts.Ban, [_keys.Ban(client)], [reason, RedisTtl.Milliseconds(ttl)], cancellationToken);
        await _redis.EvalAsync(StateScripts.IndexBan, [_keys.BanIndex], [client, expiresAt.AsString()!], cancellationToken);
    }

    public async ValueTask<bool> UnbanAsync(string client, CancellationToken cancellationToken = default)
    {
        ArgumentException.ThrowIfNullOrEmpty(client);
        var key = _keys.Ban(client);
        var removed = await _redis.ExecuteAsync(["DEL", key], key, cancellationToken);
        await _redis.ExecuteAsync(["ZREM", _keys.BanIndex, client], _keys.BanIndex, cancellationToken);
        return removed.AsInt64() > 0;
    }

    public async ValueTask<BanInfo?> GetBanAsync(string client, CancellationToken cancellationToken = default)
    {
        ArgumentException.ThrowIfNullOrEmpty(client);
        var reply = await _redis.EvalAsync(StateScripts.GetBan, [_keys.Ban(client)], [], cancellationToken);
        if (reply.IsNull || reply.Items.Count < 2)
        {
            return null;
        }
        return new BanInfo(client, reply.Items[0].AsString() ?? "", RedisTtl.Remaining(reply.Items[1].AsInt64()));
    }

    public async ValueTask<IReadOnlyList<BanInfo>> ListBansAsync(int limit = 100, CancellationToken cancellationToken = default)
    {
        ArgumentOutOfRangeException.ThrowIfLessThan(limit, 1);
        ArgumentOutOfRangeException.ThrowIfGreaterThan(limit, IStateStore.MaxListedBans);
        var index = await _redis.EvalAsync(StateScripts.ListBans, [_keys.BanIndex], [limit.ToString(CultureInfo.InvariantCulture)], cancellationToken);
        var clients = index.Items.Select(item => item.AsString()).OfType<string>();
        // The index can outlive a ban that was lifted or replaced by a shorter one; the ban key is the truth.
        var bans = await Task.WhenAll(clients.Select(client => GetBanAsync(client, cancellationToken).AsTask()));
        return bans.OfType<BanInfo>().ToArray();
    }

    public async ValueTask AddToListAsync(ClientList list, string client, TimeSpan? ttl = null, CancellationToken cancellationToken = default)
    {
        ArgumentException.ThrowIfNullOrEmpty(client);
        ValidateTtl(ttl);
        var key = _keys.List(list, client);
        await _redis.ExecuteAsync(ttl is { } t ? ["SET", key, "1", "PX", RedisTtl.Milliseconds(t)] : ["SET", key, "1"], key, cancellationToken);
    }

    public async ValueTask<bool> RemoveFromListAsync(ClientList list, string client, CancellationToken cancellationToken = default)
    {
        ArgumentException.ThrowIfNullOrEmpty(client);
        var key = _keys.List(list, client);
        return (await _redis.ExecuteAsync(["DEL", key], key, cancellationToken)).AsInt64() > 0;
    }

    public async ValueTask<bool> IsListedAsync(ClientList list, string client, CancellationToken cancellationToken = default)
    {
        ArgumentException.ThrowIfNullOrEmpty(client);
        var key = _keys.List(list, client);
        return (await _redis.ExecuteAsync(["EXISTS", key], key, cancellationToken)).AsInt64() > 0;
    }

    public async ValueTask<long> IncrementAsync(string key, long delta = 1, TimeSpan? ttl = null, CancellationToken cancellationToken = default)
    {
        ArgumentException.ThrowIfNullOrEmpty(key);
        ValidateTtl(ttl);
        var args = new object[] { delta.ToString(CultureInfo.InvariantCulture), ttl is { } t ? RedisTtl.Milliseconds(t) : "0" };
        try
        {
            return (await _redis.EvalAsync(StateScripts.Increment, [_keys.Value(key)], args, cancellationToken)).AsInt64();
        }
        catch (RedisServerException e) when (e.Message.Contains("not an integer", StringComparison.Ordinal) || e.Message.Contains("overflow", StringComparison.Ordinal))
        {
            throw new InvalidOperationException("The key holds a value that is not an integer, or the sum overflows.", e);
        }
    }

    public async ValueTask<byte[]?> GetAsync(string key, CancellationToken cancellationToken = default)
    {
        ArgumentException.ThrowIfNullOrEmpty(key);
        var stored = _keys.Value(key);
        var reply = await _redis.ExecuteAsync(["GET", stored], stored, cancellationToken);
        return reply.IsNull ? null : reply.Bytes ?? System.Text.Encoding.UTF8.GetBytes(reply.AsString() ?? "");
    }

    public async ValueTask SetAsync(string key, byte[] value, TimeSpan? ttl = null, CancellationToken cancellationToken = default)
    {
        ArgumentException.ThrowIfNullOrEmpty(key);
        ArgumentNullException.ThrowIfNull(value);
        ValidateTtl(ttl);
        var stored = _keys.Value(key);
        await _redis.ExecuteAsync(ttl is { } t ? ["SET", stored, value, "PX", RedisTtl.Milliseconds(t)] : ["SET", stored, value], stored, cancellationToken);
    }

    public async ValueTask<bool> DeleteAsync(string key, CancellationToken cancellationToken = default)
    {
        ArgumentException.ThrowIfNullOrEmpty(key);
        var stored = _keys.Value(key);
        return (await _redis.ExecuteAsync(["DEL", stored], stored, cancellationToken)).AsInt64() > 0;
    }

    public async ValueTask<bool> CompareAndSetAsync(string key, byte[]? expected, byte[] value, CancellationToken cancellationToken = default)
    {
        ArgumentException.ThrowIfNullOrEmpty(key);
        ArgumentNullException.ThrowIfNull(value);
        object[] args = expected is null ? ["0", "", value] : ["1", expected, value];
        return (await _redis.EvalAsync(StateScripts.CompareAndSet, [_keys.Value(key)], args, cancellationToken)).AsInt64() == 1;
    }

    /// <summary>One run of <see cref="StateScripts.Admit"/>; all of its keys share the first key's slot.</summary>
    private async Task<AdmitReply> AdmitAsync(AdmissionPlan plan, bool checks, IReadOnlyList<PlannedLimit<TokenBucketLimit>> buckets, IReadOnlyList<PlannedLimit<QuotaLimit>> quotas, CancellationToken cancellationToken)
    {
        var keys = new List<string>(3 + buckets.Count + quotas.Count);
        var args = new List<object>(4 + (2 * (buckets.Count + quotas.Count)))
        {
            checks ? "1" : "0",
            Format(plan.Cost),
            Format(buckets.Count),
            Format(quotas.Count),
        };
        if (checks)
        {
            keys.AddRange([plan.BanKey, plan.DenyKey, plan.AllowKey]);
        }
        foreach (var (key, limit) in buckets)
        {
            keys.Add(key);
            args.Add(Format(limit.Capacity));
            args.Add(Format(limit.RefillPerSecond));
        }
        foreach (var (key, limit) in quotas)
        {
            keys.Add(key);
            args.Add(Format(limit.Limit));
            args.Add(Format((long)limit.Window.TotalMilliseconds));
        }
        var reply = await _redis.EvalAsync(StateScripts.Admit, keys, args, cancellationToken);
        return AdmitReply.Read(reply, buckets, quotas);
    }

    private async Task RefundAsync(long cost, PlannedLimit<TokenBucketLimit>[] buckets, PlannedLimit<QuotaLimit>[] quotas, long admittedAtMs, CancellationToken cancellationToken)
    {
        var keys = buckets.Select(b => b.Key).Concat(quotas.Select(q => q.Key)).ToArray();
        var args = new List<object> { Format(cost), Format(buckets.Length), Format(quotas.Length) };
        args.AddRange(buckets.Select(b => Format(b.Limit.Capacity)));
        args.AddRange(quotas.Select(q => Format(Limits.WindowStartMs(admittedAtMs, q.Limit))));
        await _redis.EvalAsync(StateScripts.Refund, keys, args, cancellationToken);
    }

    private static bool IsModelWide(PlannedLimit<TokenBucketLimit> bucket) => bucket.Limit.Scope == LimitScope.Model;

    private static bool IsModelWide(PlannedLimit<QuotaLimit> quota) => quota.Limit.Scope == LimitScope.Model;

    private static string Format(long value) => value.ToString(CultureInfo.InvariantCulture);

    private static string Format(double value) => value.ToString("R", CultureInfo.InvariantCulture);

    private static void ValidateTtl(TimeSpan? ttl)
    {
        if (ttl is { } t)
        {
            ArgumentOutOfRangeException.ThrowIfLessThanOrEqual(t, TimeSpan.Zero, nameof(ttl));
        }
    }
}
