using Guard.TestSupport;
using Guard.State.Redis;
using Guard.State.Tests.Support;

namespace Guard.State.Tests;

/// <summary>What only the Redis store promises: its key layout and its round trips (counted by the server).</summary>
public sealed class RedisStateStoreTests(RedisServerFixture redis) : IClassFixture<RedisServerFixture>
{
    private static readonly TokenBucketLimit PerClient = new("rps", LimitScope.Client, 100, 10);
    private static readonly TokenBucketLimit PerClientModel = new("rpm", LimitScope.ClientModel, 100, 1);
    private static readonly TokenBucketLimit PerModel = new("model-rps", LimitScope.Model, 1000, 100);
    private static readonly QuotaLimit Daily = new("daily", LimitScope.Client, 10_000, TimeSpan.FromDays(1));

    [Fact]
    public async Task Every_key_about_a_client_carries_the_client_hash_tag()
    {
        var options = RedisServerFixture.IsolatedOptions();
        var store = new RedisStateStore(redis.Client, options);
        var request = new AdmissionRequest("alice", "fashion") { Buckets = [PerClient, PerClientModel, PerModel], Quotas = [Daily] };
        Assert.True((await store.AdmitAsync(request)).IsAdmitted);
        await store.BanAsync("alice", TimeSpan.FromMinutes(1), "test");
        await store.AddToListAsync(ClientList.Allow, "alice");
        await store.AddToListAsync(ClientList.Deny, "alice");
        await store.SetAsync("some-value", [1]);

        var keys = (await redis.Client.ExecuteAsync(["KEYS", options.KeyPrefix + "*"])).Items.Select(k => k.AsString()!).ToArray();

        var byTag = keys.GroupBy(HashTag).ToDictionary(g => g.Key ?? "(none)", g => g.Count());
        Assert.Equal(6, byTag["c:alice"]); // ban, allow, deny, two buckets, the quota
        Assert.Equal(1, byTag["m:fashion"]);
        Assert.Equal(1, byTag["k:some-value"]);
        Assert.Equal(1, byTag["(none)"]); // the ban index
        Assert.Contains(options.KeyPrefix + "bans", keys);
    }

    [Fact]
    public async Task A_compare_and_set_is_one_EVALSHA_on_the_prefixed_value_key()
    {
        var options = RedisServerFixture.IsolatedOptions();
        var store = new RedisStateStore(redis.Client, options);
        await store.CompareAndSetAsync("warm-up", null, [0]); // loads the script
        var evalsha = await redis.CommandCallsAsync("evalsha");

        Assert.True(await store.CompareAndSetAsync("policy", null, [1]));
        Assert.False(await store.CompareAndSetAsync("policy", [2], [3]));

        Assert.Equal(2, await redis.CommandCallsAsync("evalsha") - evalsha);
        Assert.Equal([1], (await redis.Client.ExecuteAsync(["GET", options.KeyPrefix + "{k:policy}"])).Bytes);
        var otherDeployment = new RedisStateStore(redis.Client, RedisServerFixture.IsolatedOptions());
        Assert.True(await otherDeployment.CompareAndSetAsync("policy", null, [9]));
        Assert.Equal([1], await store.GetAsync("policy"));
    }

    [Fact]
    public async Task An_admission_is_one_EVALSHA_whatever_its_outcome()
    {
        var store = new RedisStateStore(redis.Client, RedisServerFixture.IsolatedOptions());
        var request = new AdmissionRequest("bob", "fashion") { Buckets = [PerClient, PerClientModel, PerModel, new TokenBucketLimit("tiny", LimitScope.Client, 3, 0)], Quotas = [Daily] };
        await store.AdmitAsync(request); // loads the script
        await store.BanAsync("banned", TimeSpan.FromMinutes(1), "x");
        var evalsha = await redis.CommandCallsAsync("evalsha");
        var eval = await redis.CommandCallsAsync("eval");

        var outcomes = new List<AdmissionOutcome>();
        for (var i = 0; i < 10; i++)
        {
            outcomes.Add((await store.AdmitAsync(request)).Outcome);
            outcomes.Add((await store.AdmitAsync(new AdmissionRequest("banned", "fashion") { Buckets = [PerClient] })).Outcome);
        }

        Assert.Equal(20, await redis.CommandCallsAsync("evalsha") - evalsha);
        Assert.Equal(0, await redis.CommandCallsAsync("eval") - eval);
        Assert.Contains(AdmissionOutcome.Admitted, outcomes);
        Assert.Contains(AdmissionOutcome.RateLimited, outcomes);
        Assert.Contains(AdmissionOutcome.Banned, outcomes);
    }

    [Fact]
    public async Task In_the_cluster_layout_model_wide_limits_take_a_second_call_and_a_refusal_there_is_refunded()
    {
        var store = new RedisStateStore(redis.Client, RedisServerFixture.IsolatedOptions(clusterLayout: true));
        var client = new TokenBucketLimit("client", LimitScope.Client, 5, 0);
        var clientQuota = new QuotaLimit("client-quota", LimitScope.Client, 100, TimeSpan.FromDays(1));
        var model = new TokenBucketLimit("model", LimitScope.Model, 1, 0);
        var both = new AdmissionRequest("carol", "fashion") { Buckets = [client, model], Quotas = [clientQuota] };
        var warmUp = new AdmissionRequest("warm-up", "warm-up") { Buckets = [client, model], Quotas = [clientQuota] };
        await store.AdmitAsync(warmUp);
        await store.AdmitAsync(warmUp); // refused and refunded: all three scripts are loaded

        var before = await redis.CommandCallsAsync("evalsha");
        Assert.True((await store.AdmitAsync(both)).IsAdmitted);
        var afterAdmitted = await redis.CommandCallsAsync("evalsha");
        var refused = await store.AdmitAsync(both);
        var afterRefused = await redis.CommandCallsAsync("evalsha");

        Assert.Equal(2, afterAdmitted - before);
        Assert.Equal((AdmissionOutcome.RateLimited, "model"), (refused.Outcome, refused.Limit));
        Assert.Equal(3, afterRefused - afterAdmitted); // client limits, model limits, refund
        var clientOnly = new AdmissionRequest("carol", "fashion") { Buckets = [client], Quotas = [clientQuota] };
        for (var i = 0; i < 4; i++)
        {
            Assert.True((await store.AdmitAsync(clientOnly)).IsAdmitted); // 5 - 1: the refused request's token came back
        }
        Assert.False((await store.AdmitAsync(clientOnly)).IsAdmitted);
        Assert.Equal(4 + 1, await redis.CommandCallsAsync("evalsha") - afterRefused); // no model-wide limit: one call each
    }

    [Fact]
    public async Task Admissions_survive_the_script_cache_being_flushed()
    {
        var store = new RedisStateStore(redis.Client, RedisServerFixture.IsolatedOptions());
        var request = new AdmissionRequest("dave", "fashion") { Buckets = [PerClient] };
        Assert.True((await store.AdmitAsync(request)).IsAdmitted);

        await redis.Client.ExecuteAsync(["SCRIPT", "FLUSH"]);

        Assert.True((await store.AdmitAsync(request)).IsAdmitted);
    }

    [Fact]
    public async Task Tokens_survive_as_exact_fractions()
    {
        var options = RedisServerFixture.IsolatedOptions();
        var store = new RedisStateStore(redis.Client, options);
        var bucket = new TokenBucketLimit("frac", LimitScope.Client, 1.5, 0);
        var request = new AdmissionRequest("erin", "fashion") { Buckets = [bucket] };

        Assert.True((await store.AdmitAsync(request)).IsAdmitted);
        Assert.False((await store.AdmitAsync(request)).IsAdmitted);
        Assert.True((await store.AdmitAsync(request with { Cost = 0 })).IsAdmitted);
        var tokens = (await redis.Client.ExecuteAsync(["HGET", options.KeyPrefix + "{c:erin}:tb:frac", "t"])).AsString();
        Assert.Equal("0.5", tokens);
    }

    /// <summary>The part of a key Redis Cluster hashes: between the first '{' and the next '}', if not empty.</summary>
    private static string? HashTag(string key)
    {
        var open = key.IndexOf('{', StringComparison.Ordinal);
        if (open < 0)
        {
            return null;
        }
        var close = key.IndexOf('}', open + 1);
        return close > open + 1 ? key[(open + 1)..close] : null;
    }
}
