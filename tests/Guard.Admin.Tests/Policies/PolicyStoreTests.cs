using System.Text.Json.Nodes;
using Guard.Admin.Policies;
using Guard.State;
using Guard.State.Embedded;
using Guard.State.Notifications;
using Microsoft.Extensions.Logging.Abstractions;

namespace Guard.Admin.Tests.Policies;

/// <summary>The versioned store on the embedded state store (the Redis one is exercised by the two-process tests).</summary>
public sealed class PolicyStoreTests : IAsyncDisposable
{
    private readonly EmbeddedStateStore _state = new(new EmbeddedStateOptions(), TimeProvider.System);
    private static readonly System.Text.Json.JsonSerializerOptions Web = new(System.Text.Json.JsonSerializerDefaults.Web);
    private readonly EmbeddedStateNotifications _notifications = new(NullLogger<EmbeddedStateNotifications>.Instance);

    public async ValueTask DisposeAsync() => await _notifications.DisposeAsync();

    private static PolicyVersion Version(PolicyOverlay current, string policy, double radius) => new()
    {
        User = "alice",
        Role = "admin",
        Action = PolicyVersion.SetAction,
        Policy = policy,
        Reason = $"r_min {radius}",
        Policies = new Dictionary<string, JsonObject>(current.Policies, StringComparer.Ordinal)
        {
            [policy] = new JsonObject { ["smoothing"] = new JsonObject { ["minRadius"] = radius } },
        },
    };

    [Fact]
    public async Task Versions_count_up_keep_their_overlay_and_are_announced()
    {
        var store = new PolicyStore(_state, _notifications);
        var announced = new List<string>();
        await using var subscription = _notifications.Subscribe(PolicyStore.Channel, (m, _) =>
        {
            lock (announced)
            {
                announced.Add(System.Text.Encoding.ASCII.GetString(m.Span));
            }

            return ValueTask.CompletedTask;
        });

        Assert.Equal(PolicyOverlay.Empty, await store.ReadCurrentAsync(default));
        var first = await store.CommitAsync(null, c => Version(c, "a", 0.1), default);
        var second = await store.CommitAsync(1, c => Version(c, "b", 0.2), default);
        Assert.Equal((1L, 2L), (first.Version, second.Version));

        var current = await store.ReadCurrentAsync(default);
        Assert.Equal(2, current.Version);
        Assert.Equal(["a", "b"], current.Policies.Keys.Order());
        Assert.Equal([2L, 1L], (await store.HistoryAsync(10, 0, default)).Select(v => v.Version));
        Assert.Equal([1L], (await store.HistoryAsync(10, 2, default)).Select(v => v.Version));

        await Assert.ThrowsAsync<PolicyConflictException>(async () => await store.CommitAsync(1, c => Version(c, "a", 0.3), default));
        Assert.Equal(2, await store.HeadAsync(default));
        await WaitForAsync(() => { lock (announced) { return announced.Count == 2; } });
        Assert.Equal(["1", "2"], announced);
    }

    [Fact]
    public async Task Concurrent_writers_each_get_their_own_version()
    {
        var stores = Enumerable.Range(0, 8).Select(_ => new PolicyStore(_state, _notifications)).ToArray();
        var versions = await Task.WhenAll(stores.Select((s, i) => Task.Run(async () =>
            (await s.CommitAsync(null, c => Version(c, $"p{i}", i), default)).Version)));
        Assert.Equal(Enumerable.Range(1, 8).Select(v => (long)v), versions.Order());
        var current = await stores[0].ReadCurrentAsync(default);
        Assert.Equal(8, current.Policies.Count);
    }

    [Fact]
    public async Task A_writer_that_died_between_claim_and_head_is_repaired_by_the_next()
    {
        var store = new PolicyStore(_state, _notifications);
        await store.CommitAsync(null, c => Version(c, "a", 0.1), default);

        // Version 2 claimed, head never moved (the writer died).
        var orphan = Version(PolicyOverlay.Empty, "z", 9) with { Version = 2 };
        await _state.CompareAndSetAsync("admin:policies:v:2", null, System.Text.Json.JsonSerializer.SerializeToUtf8Bytes(orphan, Web));

        var next = await store.CommitAsync(null, c => Version(c, "b", 0.2), default);
        Assert.Equal(3, next.Version);
        Assert.Equal(3, await store.HeadAsync(default));
    }

    [Fact]
    public async Task An_empty_store_is_restored_from_a_version()
    {
        var store = new PolicyStore(_state, _notifications);
        var version = Version(PolicyOverlay.Empty, "a", 0.4) with { Version = 7 };
        Assert.True(await store.RestoreAsync(version, default));
        Assert.Equal(7, (await store.ReadCurrentAsync(default)).Version);
        Assert.False(await store.RestoreAsync(version with { Version = 9 }, default));
        Assert.Equal(8, (await store.CommitAsync(null, c => Version(c, "b", 0.1), default)).Version);
    }

    private static async Task WaitForAsync(Func<bool> condition)
    {
        for (var i = 0; i < 200 && !condition(); i++)
        {
            await Task.Delay(10);
        }
    }
}
