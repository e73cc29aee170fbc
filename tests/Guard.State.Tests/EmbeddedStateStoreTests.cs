using Guard.State.Embedded;
using Guard.State.Tests.Support;

namespace Guard.State.Tests;

/// <summary>What only the embedded store promises: bounded memory, and what goes first when it is full.</summary>
public sealed class EmbeddedStateStoreTests
{
    private readonly ManualTimeProvider _time = new();

    private EmbeddedStateStore Store(int maxEntries) => new(new EmbeddedStateOptions { MaxEntries = maxEntries }, _time);

    private static AdmissionRequest Request(string client) =>
        new(client, "m") { Buckets = [new TokenBucketLimit("rps", LimitScope.Client, 10, 1)] };

    [Fact]
    public async Task Ten_thousand_clients_never_hold_more_than_MaxEntries()
    {
        var store = Store(1000);
        for (var i = 0; i < 10_000; i++)
        {
            Assert.True((await store.AdmitAsync(Request($"client-{i}"))).IsAdmitted);
            Assert.InRange(store.Count, 1, 1000);
        }
    }

    [Fact]
    public async Task Expired_entries_are_evicted_before_live_ones_however_old()
    {
        var store = Store(1000);
        for (var i = 0; i < 400; i++)
        {
            await store.SetAsync($"keep-{i}", [1]);
        }
        for (var i = 0; i < 500; i++)
        {
            await store.SetAsync($"brief-{i}", [2], TimeSpan.FromSeconds(1));
        }
        _time.Advance(TimeSpan.FromSeconds(2));

        for (var i = 0; i < 300; i++)
        {
            await store.SetAsync($"new-{i}", [3]);
        }

        Assert.Equal(700, store.Count);
        for (var i = 0; i < 400; i++)
        {
            Assert.NotNull(await store.GetAsync($"keep-{i}"));
        }
    }

    [Fact]
    public async Task The_least_recently_used_go_first()
    {
        var store = Store(1000);
        for (var i = 0; i < 1000; i++)
        {
            await store.SetAsync($"old-{i}", [1]);
        }
        Assert.NotNull(await store.GetAsync("old-0")); // used: now the most recent

        await store.SetAsync("one-too-many", [2]);

        Assert.Equal(900, store.Count);
        Assert.NotNull(await store.GetAsync("old-0"));
        Assert.Null(await store.GetAsync("old-1"));
        Assert.NotNull(await store.GetAsync("old-999"));
        Assert.NotNull(await store.GetAsync("one-too-many"));
    }

    [Fact]
    public async Task Bans_and_listings_outlast_everything_else_under_pressure()
    {
        var store = Store(100);
        await store.BanAsync("banned", TimeSpan.FromHours(1), "abuse");
        await store.AddToListAsync(ClientList.Deny, "denied");

        for (var i = 0; i < 1000; i++)
        {
            await store.AdmitAsync(Request($"client-{i}"));
        }

        Assert.Equal(AdmissionOutcome.Banned, (await store.AdmitAsync(Request("banned"))).Outcome);
        Assert.Equal(AdmissionOutcome.Denied, (await store.AdmitAsync(Request("denied"))).Outcome);
    }

    [Fact]
    public async Task Concurrent_admissions_and_eviction_neither_deadlock_nor_overflow()
    {
        var store = Store(1000);
        var shared = new TokenBucketLimit("shared", LimitScope.Model, 500, 0);
        var admittedByShared = 0;

        await Task.WhenAll(Enumerable.Range(0, 16).Select(caller => Task.Run(async () =>
        {
            for (var i = 0; i < 500; i++)
            {
                var request = new AdmissionRequest($"client-{caller}-{i}", "m") { Buckets = [shared, new TokenBucketLimit("own", LimitScope.Client, 1, 0)] };
                if ((await store.AdmitAsync(request)).IsAdmitted)
                {
                    Interlocked.Increment(ref admittedByShared);
                }
                Assert.InRange(store.Count, 1, 1000 + 16);
            }
        }))).WaitAsync(TimeSpan.FromSeconds(30));

        // The shared bucket may be evicted (and so refilled) under this pressure; it never over-admits while held.
        Assert.InRange(admittedByShared, 500, 16 * 500);
    }

    [Fact]
    public async Task Time_going_backwards_refills_nothing()
    {
        var store = Store(100);
        var request = new AdmissionRequest("c", "m") { Buckets = [new TokenBucketLimit("rps", LimitScope.Client, 1, 1)] };
        Assert.True((await store.AdmitAsync(request)).IsAdmitted);

        _time.Advance(TimeSpan.FromSeconds(-10));

        Assert.False((await store.AdmitAsync(request)).IsAdmitted);
    }
}
