using Guard.TestSupport;
using Guard.State.Embedded;
using Guard.State.Redis;
using Guard.State.Resilience;
using Guard.State.Tests.Support;
using Microsoft.Extensions.Logging.Abstractions;

namespace Guard.State.Tests;

/// <summary>Redis killed (SIGKILL) under a <see cref="ResilientStateStore"/>, then started again on the same port.</summary>
public sealed class RedisOutageTests
{
    [Fact]
    public async Task A_dead_Redis_is_answered_locally_or_refused_per_policy_and_recovery_needs_no_restart()
    {
        await using var server = await RedisServer.StartAsync();
        await using var client = RedisServerFixture.Connect(server, options =>
        {
            options.ReconnectMinBackoff = TimeSpan.FromMilliseconds(20);
            options.ReconnectMaxBackoff = TimeSpan.FromMilliseconds(100);
        });
        await client.ExecuteAsync(["PING"]); // connected before the first timed call
        var backend = new SwitchableStateStore(new RedisStateStore(client, RedisServerFixture.IsolatedOptions()));
        var observer = new RecordingObserver();
        var store = new ResilientStateStore(
            backend,
            new EmbeddedStateStore(new EmbeddedStateOptions(), TimeProvider.System),
            new BreakerOptions { FailureThreshold = 2, OpenDuration = TimeSpan.FromMilliseconds(500) },
            TimeProvider.System,
            NullLogger<ResilientStateStore>.Instance,
            observer);
        var open = new AdmissionRequest("alice", "fashion") { Buckets = [new TokenBucketLimit("rps", LimitScope.Client, 1000, 0)] };
        var closed = open with { FailureMode = StateFailureMode.FailClosed };
        var healthy = await store.AdmitAsync(open);
        Assert.True(healthy.IsAdmitted);
        Assert.False(healthy.Degraded);

        server.Kill();

        for (var i = 0; i < 2; i++)
        {
            var degraded = await store.AdmitAsync(open);
            Assert.True(degraded.IsAdmitted);
            Assert.True(degraded.Degraded);
        }
        Assert.True(store.IsDegraded);
        var callsWhenOpened = backend.Calls;
        for (var i = 0; i < 50; i++)
        {
            var degraded = await store.AdmitAsync(open);
            Assert.True(degraded.IsAdmitted && degraded.Degraded);
        }
        await Assert.ThrowsAsync<StateUnavailableException>(async () => await store.AdmitAsync(closed));
        Assert.Equal(callsWhenOpened, backend.Calls); // open: Redis was not even tried

        await server.RestartAsync();

        var deadline = DateTime.UtcNow + TimeSpan.FromSeconds(10);
        AdmissionResult result;
        do
        {
            await Task.Delay(100);
            result = await store.AdmitAsync(open);
        }
        while (result.Degraded && DateTime.UtcNow < deadline);
        Assert.False(result.Degraded);
        Assert.False(store.IsDegraded);
        Assert.True((await store.AdmitAsync(closed)).IsAdmitted);
        Assert.Equal(BreakerState.Closed, observer.Changes.Last());
        Assert.Contains(BreakerState.Open, observer.Changes);
    }

    [Fact]
    public async Task A_compare_and_set_on_a_dead_Redis_throws_and_writes_nothing_locally()
    {
        await using var server = await RedisServer.StartAsync();
        await using var client = RedisServerFixture.Connect(server, options => options.ConnectTimeout = TimeSpan.FromMilliseconds(500));
        var fallback = new EmbeddedStateStore(new EmbeddedStateOptions(), TimeProvider.System);
        var store = new ResilientStateStore(
            new RedisStateStore(client, RedisServerFixture.IsolatedOptions()),
            fallback,
            new BreakerOptions { ValueFailureMode = StateFailureMode.FailOpen },
            TimeProvider.System,
            NullLogger<ResilientStateStore>.Instance);
        Assert.True(await store.CompareAndSetAsync("policy", null, [1]));

        server.Kill();

        // Past the failure threshold too: an open breaker refuses it the same way.
        for (var i = 0; i < 5; i++)
        {
            await Assert.ThrowsAsync<StateUnavailableException>(async () => await store.CompareAndSetAsync("policy", [1], [2]));
        }
        Assert.True(store.IsDegraded);
        Assert.Null(await fallback.GetAsync("policy"));
    }
}
