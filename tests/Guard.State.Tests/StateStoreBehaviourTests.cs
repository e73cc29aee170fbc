using System.Text;

namespace Guard.State.Tests;

/// <summary>
/// What every <see cref="IStateStore"/> does, run against each backend by a derived class. Times are short and
/// real for Redis (its clock is the server's); the embedded store moves a manual clock instead, through
/// <see cref="WaitAsync"/>. Assertions about time allow for the few milliseconds real calls take.
/// </summary>
public abstract class StateStoreBehaviourTests : IAsyncLifetime
{
    private IStateStore? _store;

    protected IStateStore Store => _store ?? throw new InvalidOperationException("Not initialized.");

    /// <summary>A fresh, empty store.</summary>
    protected abstract Task<IStateStore> CreateStoreAsync();

    /// <summary>Stores that share <see cref="Store"/>'s state as other Guard processes would (for Redis: each with a
    /// connection of its own).</summary>
    protected abstract Task<IReadOnlyList<IStateStore>> CreatePeersAsync(int count);

    /// <summary>Lets <paramref name="duration"/> pass for the store.</summary>
    protected abstract Task WaitAsync(TimeSpan duration);

    public virtual async Task InitializeAsync() => _store = await CreateStoreAsync();

    public virtual Task DisposeAsync() => Task.CompletedTask;

    protected static AdmissionRequest Request(string client, params TokenBucketLimit[] buckets) =>
        new(client, "fashion_cnn") { Buckets = buckets };

    protected static TokenBucketLimit Bucket(string name, double capacity, double refillPerSecond, LimitScope scope = LimitScope.Client) =>
        new(name, scope, capacity, refillPerSecond);

    private async Task<int> AdmitUntilRefusedAsync(AdmissionRequest request, int atMost = 50) =>
        (await AdmitUntilRefusalAsync(request, atMost)).Admitted;

    /// <summary>Admits until the first refusal: how many were admitted, and that refusal (null if none in <paramref name="atMost"/>).</summary>
    private async Task<(int Admitted, AdmissionResult? Refusal)> AdmitUntilRefusalAsync(AdmissionRequest request, int atMost = 50)
    {
        for (var admitted = 0; admitted < atMost; admitted++)
        {
            var result = await Store.AdmitAsync(request);
            if (!result.IsAdmitted)
            {
                return (admitted, result);
            }
        }
        return (atMost, null);
    }

    [Fact]
    public async Task A_bucket_admits_its_burst_then_refuses_until_a_token_is_back()
    {
        var request = Request("alice", Bucket("rps", capacity: 5, refillPerSecond: 1));
        for (var i = 0; i < 5; i++)
        {
            Assert.Equal(AdmissionResult.Admitted, await Store.AdmitAsync(request));
        }

        var refused = await Store.AdmitAsync(request);

        Assert.Equal(AdmissionOutcome.RateLimited, refused.Outcome);
        Assert.Equal("rps", refused.Limit);
        Assert.False(refused.IsAdmitted);
        Assert.InRange(refused.RetryAfter!.Value, TimeSpan.FromMilliseconds(1), TimeSpan.FromSeconds(1));
    }

    [Fact]
    public async Task A_bucket_refills_at_its_rate_up_to_its_capacity()
    {
        var request = Request("bob", Bucket("rps", capacity: 2, refillPerSecond: 5));
        Assert.InRange(await AdmitUntilRefusedAsync(request), 2, 3);

        await WaitAsync(TimeSpan.FromMilliseconds(500)); // 2.5 tokens' worth, capped at 2

        Assert.InRange(await AdmitUntilRefusedAsync(request), 2, 3);
    }

    [Fact]
    public async Task A_refused_request_takes_nothing_from_the_other_limits()
    {
        var wide = Bucket("wide", capacity: 5, refillPerSecond: 0);
        var narrow = Bucket("narrow", capacity: 2, refillPerSecond: 0);
        var quota = new QuotaLimit("daily", LimitScope.Client, 100, TimeSpan.FromHours(24));
        var both = Request("carol", wide, narrow) with { Quotas = [quota] };
        Assert.Equal(2, await AdmitUntilRefusedAsync(both));
        for (var i = 0; i < 3; i++)
        {
            var refused = await Store.AdmitAsync(both);
            Assert.Equal("narrow", refused.Limit);
        }

        // "wide" lost only the two admitted requests' tokens, the quota only their count.
        Assert.Equal(3, await AdmitUntilRefusedAsync(Request("carol", wide)));
        Assert.Equal(98, await AdmitUntilRefusedAsync(new AdmissionRequest("carol", "fashion_cnn") { Quotas = [quota] }, atMost: 200));
    }

    [Fact]
    public async Task Of_several_refusals_the_one_that_lifts_last_is_reported()
    {
        var bucket = Bucket("rps", capacity: 1, refillPerSecond: 10);
        var quota = new QuotaLimit("hourly", LimitScope.Client, 1, TimeSpan.FromHours(1));
        var request = Request("dave", bucket) with { Quotas = [quota] };
        Assert.True((await Store.AdmitAsync(request)).IsAdmitted);

        var refused = await Store.AdmitAsync(request);

        Assert.Equal(AdmissionOutcome.QuotaExceeded, refused.Outcome);
        Assert.Equal("hourly", refused.Limit);
        Assert.InRange(refused.RetryAfter!.Value, TimeSpan.FromMilliseconds(1), TimeSpan.FromHours(1));
    }

    [Fact]
    public async Task A_cost_no_wait_can_cover_is_refused_without_a_retry_time()
    {
        var request = Request("erin", Bucket("rps", capacity: 3, refillPerSecond: 100)) with { Cost = 4 };

        var refused = await Store.AdmitAsync(request);

        Assert.Equal(AdmissionOutcome.RateLimited, refused.Outcome);
        Assert.Null(refused.RetryAfter);
        Assert.True((await Store.AdmitAsync(request with { Cost = 3 })).IsAdmitted);
    }

    [Fact]
    public async Task A_quota_refuses_until_its_window_ends_then_starts_over()
    {
        var quota = new QuotaLimit("per-window", LimitScope.Client, 3, TimeSpan.FromMilliseconds(800));
        var request = new AdmissionRequest("frank", "fashion_cnn") { Quotas = [quota] };
        var (admitted, refused) = await AdmitUntilRefusalAsync(request);
        Assert.InRange(admitted, 3, 9); // more if a window ended mid-way

        Assert.NotNull(refused);
        Assert.Equal(AdmissionOutcome.QuotaExceeded, refused.Outcome);
        Assert.Equal("per-window", refused.Limit);
        Assert.InRange(refused.RetryAfter!.Value, TimeSpan.FromMilliseconds(1), TimeSpan.FromMilliseconds(800));

        await WaitAsync(refused.RetryAfter.Value + TimeSpan.FromMilliseconds(20));

        Assert.True((await Store.AdmitAsync(request)).IsAdmitted);
    }

    [Fact]
    public async Task A_model_wide_bucket_is_shared_by_all_clients_and_a_client_model_one_is_not()
    {
        var modelWide = Bucket("model", capacity: 3, refillPerSecond: 0, LimitScope.Model);
        var admitted = 0;
        foreach (var client in new[] { "c1", "c2", "c3", "c4", "c5" })
        {
            admitted += (await Store.AdmitAsync(Request(client, modelWide))).IsAdmitted ? 1 : 0;
        }
        Assert.Equal(3, admitted);
        Assert.True((await Store.AdmitAsync(new AdmissionRequest("c1", "other_model") { Buckets = [modelWide] })).IsAdmitted);

        var perModel = Bucket("per-model", capacity: 1, refillPerSecond: 0, LimitScope.ClientModel);
        Assert.True((await Store.AdmitAsync(new AdmissionRequest("c1", "m1") { Buckets = [perModel] })).IsAdmitted);
        Assert.False((await Store.AdmitAsync(new AdmissionRequest("c1", "m1") { Buckets = [perModel] })).IsAdmitted);
        Assert.True((await Store.AdmitAsync(new AdmissionRequest("c1", "m2") { Buckets = [perModel] })).IsAdmitted);
        Assert.True((await Store.AdmitAsync(new AdmissionRequest("c2", "m1") { Buckets = [perModel] })).IsAdmitted);
    }

    [Fact]
    public async Task A_ban_refuses_with_its_reason_until_it_expires()
    {
        await Store.BanAsync("mallory", TimeSpan.FromSeconds(1), "scraping");

        var refused = await Store.AdmitAsync(Request("mallory"));
        Assert.Equal(AdmissionOutcome.Banned, refused.Outcome);
        Assert.Equal("scraping", refused.Reason);
        Assert.InRange(refused.RetryAfter!.Value, TimeSpan.FromMilliseconds(1), TimeSpan.FromSeconds(1));
        var ban = await Store.GetBanAsync("mallory");
        Assert.NotNull(ban);
        Assert.Equal(("mallory", "scraping"), (ban.Client, ban.Reason));
        Assert.True((await Store.AdmitAsync(Request("trent"))).IsAdmitted);

        await WaitAsync(TimeSpan.FromMilliseconds(1100));

        Assert.True((await Store.AdmitAsync(Request("mallory"))).IsAdmitted);
        Assert.Null(await Store.GetBanAsync("mallory"));
    }

    [Fact]
    public async Task Unban_lifts_a_ban_and_a_new_ban_replaces_the_old()
    {
        await Store.BanAsync("oscar", TimeSpan.FromHours(1), "first");
        await Store.BanAsync("oscar", TimeSpan.FromHours(2), "second");
        Assert.Equal("second", (await Store.AdmitAsync(Request("oscar"))).Reason);
        Assert.InRange((await Store.GetBanAsync("oscar"))!.Remaining, TimeSpan.FromMinutes(119), TimeSpan.FromHours(2));

        Assert.True(await Store.UnbanAsync("oscar"));

        Assert.True((await Store.AdmitAsync(Request("oscar"))).IsAdmitted);
        Assert.False(await Store.UnbanAsync("oscar"));
        Assert.Null(await Store.GetBanAsync("oscar"));
    }

    [Fact]
    public async Task ListBans_returns_current_bans_up_to_its_limit()
    {
        await Store.BanAsync("b1", TimeSpan.FromHours(1), "r1");
        await Store.BanAsync("b2", TimeSpan.FromHours(1), "r2");
        await Store.BanAsync("b3", TimeSpan.FromHours(1), "r3");
        await Store.BanAsync("brief", TimeSpan.FromMilliseconds(100), "r4");
        await Store.UnbanAsync("b3");
        await WaitAsync(TimeSpan.FromMilliseconds(200));

        var bans = await Store.ListBansAsync(10);

        Assert.Equal(["b1:r1", "b2:r2"], bans.Select(b => $"{b.Client}:{b.Reason}").Order());
        Assert.Single(await Store.ListBansAsync(1));
        await Assert.ThrowsAsync<ArgumentOutOfRangeException>(async () => await Store.ListBansAsync(0));
    }

    [Fact]
    public async Task The_deny_list_refuses_before_a_ban_and_the_allow_list_are_looked_at()
    {
        await Store.AddToListAsync(ClientList.Deny, "eve");
        await Store.AddToListAsync(ClientList.Allow, "eve");
        await Store.BanAsync("eve", TimeSpan.FromHours(1), "abuse");
        Assert.True(await Store.IsListedAsync(ClientList.Deny, "eve"));

        Assert.Equal(AdmissionResult.Denied, await Store.AdmitAsync(Request("eve")));

        Assert.True(await Store.RemoveFromListAsync(ClientList.Deny, "eve"));
        Assert.False(await Store.RemoveFromListAsync(ClientList.Deny, "eve"));
        Assert.False(await Store.IsListedAsync(ClientList.Deny, "eve"));
        Assert.Equal(AdmissionOutcome.Banned, (await Store.AdmitAsync(Request("eve"))).Outcome); // allow-listing does not lift a ban
    }

    [Fact]
    public async Task A_listing_with_a_ttl_expires()
    {
        await Store.AddToListAsync(ClientList.Deny, "peggy", TimeSpan.FromSeconds(1));
        Assert.Equal(AdmissionResult.Denied, await Store.AdmitAsync(Request("peggy")));

        await WaitAsync(TimeSpan.FromMilliseconds(1100));

        Assert.False(await Store.IsListedAsync(ClientList.Deny, "peggy"));
        Assert.True((await Store.AdmitAsync(Request("peggy"))).IsAdmitted);
    }

    [Fact]
    public async Task The_allow_list_admits_past_every_limit_without_taking_from_it()
    {
        var bucket = Bucket("rps", capacity: 1, refillPerSecond: 0);
        var request = Request("victor", bucket) with { Quotas = [new QuotaLimit("q", LimitScope.Client, 1, TimeSpan.FromHours(1))] };
        await Store.AddToListAsync(ClientList.Allow, "victor");

        for (var i = 0; i < 5; i++)
        {
            var result = await Store.AdmitAsync(request);
            Assert.True(result.IsAdmitted);
            Assert.True(result.AllowListed);
        }

        await Store.RemoveFromListAsync(ClientList.Allow, "victor");
        Assert.Equal(AdmissionResult.Admitted, await Store.AdmitAsync(request)); // the bucket is still full
        Assert.False((await Store.AdmitAsync(request)).IsAdmitted);
    }

    [Fact]
    public async Task A_zero_cost_request_checks_bans_and_lists_only()
    {
        var request = Request("walter", Bucket("rps", capacity: 1, refillPerSecond: 0)) with { Cost = 0 };
        for (var i = 0; i < 3; i++)
        {
            Assert.True((await Store.AdmitAsync(request)).IsAdmitted);
        }
        await Store.BanAsync("walter", TimeSpan.FromHours(1), "x");
        Assert.Equal(AdmissionOutcome.Banned, (await Store.AdmitAsync(request)).Outcome);
    }

    [Fact]
    public async Task Names_with_braces_and_colons_neither_collide_nor_leak_into_each_other()
    {
        await Store.BanAsync("x}:ban", TimeSpan.FromHours(1), "odd");
        await Store.AddToListAsync(ClientList.Deny, "x");

        Assert.Equal(AdmissionOutcome.Banned, (await Store.AdmitAsync(Request("x}:ban"))).Outcome);
        Assert.Equal(AdmissionOutcome.Denied, (await Store.AdmitAsync(Request("x"))).Outcome);
        Assert.True((await Store.AdmitAsync(Request("x}"))).IsAdmitted);
        Assert.Null(await Store.GetBanAsync("x"));
    }

    [Fact]
    public async Task An_inconsistent_request_is_rejected()
    {
        var request = Request("yolanda", Bucket("same", 1, 1)) with { Quotas = [new QuotaLimit("same", LimitScope.Client, 1, TimeSpan.FromSeconds(1))] };

        await Assert.ThrowsAsync<ArgumentException>(async () => await Store.AdmitAsync(request));
        await Assert.ThrowsAsync<ArgumentOutOfRangeException>(async () => await Store.AdmitAsync(Request("yolanda") with { Cost = -1 }));
    }

    [Fact]
    public async Task Increment_counts_within_a_window_that_starts_at_the_first_increment()
    {
        Assert.Equal(1, await Store.IncrementAsync("failures:zoe", 1, TimeSpan.FromSeconds(1)));
        await WaitAsync(TimeSpan.FromMilliseconds(100));
        Assert.Equal(3, await Store.IncrementAsync("failures:zoe", 2, TimeSpan.FromSeconds(1))); // does not extend the window
        Assert.Equal("3", Encoding.ASCII.GetString((await Store.GetAsync("failures:zoe"))!));

        await WaitAsync(TimeSpan.FromMilliseconds(950));

        Assert.Null(await Store.GetAsync("failures:zoe"));
        Assert.Equal(-4, await Store.IncrementAsync("failures:zoe", -4));
    }

    [Fact]
    public async Task Set_get_and_delete_values_with_and_without_expiry()
    {
        byte[] value = [0, 1, 2, 255];
        await Store.SetAsync("brief", value, TimeSpan.FromSeconds(1));
        await Store.SetAsync("lasting", [42]);
        await Store.SetAsync("7", "41"u8.ToArray());
        Assert.Equal(value, await Store.GetAsync("brief"));
        Assert.Equal(42, await Store.IncrementAsync("7", 1));

        await WaitAsync(TimeSpan.FromMilliseconds(1100));

        Assert.Null(await Store.GetAsync("brief"));
        Assert.Equal([42], await Store.GetAsync("lasting"));
        Assert.True(await Store.DeleteAsync("lasting"));
        Assert.False(await Store.DeleteAsync("lasting"));
        Assert.Null(await Store.GetAsync("lasting"));
        await Store.SetAsync("text", "abc"u8.ToArray());
        await Assert.ThrowsAsync<InvalidOperationException>(async () => await Store.IncrementAsync("text", 1));
    }

    [Fact]
    public async Task Concurrent_callers_in_several_processes_take_exactly_the_bucket()
    {
        var peers = await CreatePeersAsync(3);
        var request = Request("swarm", Bucket("shared", capacity: 100, refillPerSecond: 0));
        var admitted = 0;

        await Task.WhenAll(Enumerable.Range(0, 16).Select(caller => Task.Run(async () =>
        {
            var store = peers[caller % peers.Count];
            for (var i = 0; i < 50; i++)
            {
                if ((await store.AdmitAsync(request)).IsAdmitted)
                {
                    Interlocked.Increment(ref admitted);
                }
            }
        })));

        Assert.Equal(100, admitted);
        Assert.False((await Store.AdmitAsync(request)).IsAdmitted);
    }

    [Fact]
    public async Task Compare_and_set_with_no_expected_value_creates_only_a_missing_key()
    {
        Assert.True(await Store.CompareAndSetAsync("policy", null, Utf8("v1")));
        Assert.Equal(Utf8("v1"), await Store.GetAsync("policy"));

        Assert.False(await Store.CompareAndSetAsync("policy", null, Utf8("v2")));

        Assert.Equal(Utf8("v1"), await Store.GetAsync("policy"));
    }

    [Fact]
    public async Task Compare_and_set_replaces_only_an_equal_value()
    {
        await Store.SetAsync("doc", Utf8("v1"));

        Assert.False(await Store.CompareAndSetAsync("doc", Utf8("v0"), Utf8("v2")));
        Assert.False(await Store.CompareAndSetAsync("doc", Utf8("v"), Utf8("v2"))); // a prefix is not equal
        Assert.False(await Store.CompareAndSetAsync("doc", Utf8("v1 "), Utf8("v2")));
        Assert.Equal(Utf8("v1"), await Store.GetAsync("doc"));
        Assert.True(await Store.CompareAndSetAsync("doc", Utf8("v1"), Utf8("v2")));
        Assert.Equal(Utf8("v2"), await Store.GetAsync("doc"));

        Assert.False(await Store.CompareAndSetAsync("absent", Utf8("v1"), Utf8("v2")));
        Assert.Null(await Store.GetAsync("absent"));
    }

    [Fact]
    public async Task Compare_and_set_compares_binary_values_byte_for_byte_and_an_empty_value_exists()
    {
        byte[] binary = [0, 255, 13, 10, 0, 128];
        await Store.SetAsync("binary", binary);

        Assert.False(await Store.CompareAndSetAsync("binary", [0, 255, 13, 10, 0, 129], [1]));
        Assert.True(await Store.CompareAndSetAsync("binary", binary, []));
        Assert.Empty(Assert.IsType<byte[]>(await Store.GetAsync("binary")));
        Assert.False(await Store.CompareAndSetAsync("binary", null, [2]));
        Assert.True(await Store.CompareAndSetAsync("binary", [], [3]));
        Assert.Equal([3], await Store.GetAsync("binary"));
    }

    [Fact]
    public async Task Compare_and_set_reads_a_counter_as_its_digits()
    {
        await Store.IncrementAsync("counter", 41);

        Assert.True(await Store.CompareAndSetAsync("counter", Utf8("41"), Utf8("42")));

        Assert.Equal(43, await Store.IncrementAsync("counter"));
    }

    [Fact]
    public async Task Compare_and_set_treats_an_expired_key_as_absent_and_stores_without_expiry()
    {
        await Store.SetAsync("expired", Utf8("old"), TimeSpan.FromMilliseconds(200));
        await Store.SetAsync("expiring", Utf8("a"), TimeSpan.FromMilliseconds(400));
        Assert.True(await Store.CompareAndSetAsync("expiring", Utf8("a"), Utf8("b")));

        await WaitAsync(TimeSpan.FromMilliseconds(800));

        Assert.True(await Store.CompareAndSetAsync("expired", null, Utf8("new")));
        Assert.Equal(Utf8("b"), await Store.GetAsync("expiring"));
    }

    [Fact]
    public async Task Of_concurrent_compare_and_sets_with_the_same_expected_value_exactly_one_wins()
    {
        var peers = await CreatePeersAsync(4);
        byte[]? current = null;
        for (var round = 0; round < 10; round++)
        {
            var expected = current;
            var wins = await Task.WhenAll(Enumerable.Range(0, 16).Select(writer => Task.Run(async () =>
                await peers[writer % peers.Count].CompareAndSetAsync("race", expected, Utf8($"round {round} writer {writer}")))));

            var winner = Assert.Single(Enumerable.Range(0, wins.Length), writer => wins[writer]);
            current = await Store.GetAsync("race");
            Assert.Equal(Utf8($"round {round} writer {winner}"), current);
        }
    }

    private static byte[] Utf8(string text) => Encoding.UTF8.GetBytes(text);
}
