using Guard.State.Embedded;
using Guard.State.Resilience;
using Guard.State.Tests.Support;
using Microsoft.Extensions.Logging.Abstractions;

namespace Guard.State.Tests;

/// <summary>The circuit breaker and fallback, with a switchable stand-in for Redis and a manual clock.</summary>
public sealed class ResilientStateStoreTests
{
    private readonly ManualTimeProvider _time = new();
    private readonly SwitchableStateStore _backend;
    private readonly RecordingObserver _observer = new();
    private readonly ResilientStateStore _store;

    public ResilientStateStoreTests()
    {
        _backend = new SwitchableStateStore(new EmbeddedStateStore(new EmbeddedStateOptions(), _time));
        _store = new ResilientStateStore(
            _backend,
            new EmbeddedStateStore(new EmbeddedStateOptions(), _time),
            new BreakerOptions { FailureThreshold = 3, OpenDuration = TimeSpan.FromSeconds(5) },
            _time,
            NullLogger<ResilientStateStore>.Instance,
            _observer);
    }

    private static AdmissionRequest Request(StateFailureMode mode = StateFailureMode.FailOpen, double capacity = 1000) =>
        new("alice", "m") { Buckets = [new TokenBucketLimit("rps", LimitScope.Client, capacity, 0)], FailureMode = mode };

    private async Task OpenBreakerAsync()
    {
        _backend.Down = true;
        for (var i = 0; i < 3; i++)
        {
            await _store.AdmitAsync(Request());
        }
        Assert.Equal(BreakerState.Open, _store.BreakerState);
    }

    [Fact]
    public async Task While_the_backend_answers_results_are_its_own()
    {
        var result = await _store.AdmitAsync(Request());

        Assert.Equal(AdmissionResult.Admitted, result);
        Assert.False(result.Degraded);
        Assert.False(_store.IsDegraded);
        Assert.Equal(1, _backend.Calls);
    }

    [Fact]
    public async Task Consecutive_failures_open_the_breaker_and_then_the_backend_is_not_called_at_all()
    {
        _backend.Down = true;
        for (var i = 0; i < 3; i++)
        {
            var result = await _store.AdmitAsync(Request());
            Assert.True(result.IsAdmitted);
            Assert.True(result.Degraded);
        }
        Assert.True(_store.IsDegraded);
        Assert.Equal(3, _backend.Calls);

        for (var i = 0; i < 100; i++)
        {
            Assert.True((await _store.AdmitAsync(Request())).Degraded);
        }

        Assert.Equal(3, _backend.Calls);
        Assert.Equal(3, _observer.Failures);
        Assert.Equal([BreakerState.Open], _observer.Changes);
        Assert.Equal(103, _observer.Fallbacks.Count);
    }

    [Fact]
    public async Task Degraded_answers_still_apply_limits_locally()
    {
        await OpenBreakerAsync();

        var limited = new AdmissionRequest("alice", "m") { Buckets = [new TokenBucketLimit("small", LimitScope.Client, 2, 0)] };
        Assert.True((await _store.AdmitAsync(limited)).IsAdmitted);
        Assert.True((await _store.AdmitAsync(limited)).IsAdmitted);
        var refused = await _store.AdmitAsync(limited);
        Assert.Equal(AdmissionOutcome.RateLimited, refused.Outcome);
        Assert.True(refused.Degraded);
    }

    [Fact]
    public async Task Fail_closed_throws_both_on_a_failure_and_while_open()
    {
        _backend.Down = true;
        var failure = await Assert.ThrowsAsync<StateUnavailableException>(async () => await _store.AdmitAsync(Request(StateFailureMode.FailClosed)));
        Assert.IsType<StateUnavailableException>(failure.InnerException);
        await OpenBreakerAsync();
        var calls = _backend.Calls;

        await Assert.ThrowsAsync<StateUnavailableException>(async () => await _store.AdmitAsync(Request(StateFailureMode.FailClosed)));

        Assert.Equal(calls, _backend.Calls);
        Assert.Contains(StateFailureMode.FailClosed, _observer.Fallbacks);
    }

    [Fact]
    public async Task After_the_cooldown_one_probe_closes_the_breaker_when_the_backend_is_back()
    {
        await OpenBreakerAsync();
        _backend.Down = false;
        _time.Advance(TimeSpan.FromSeconds(4));
        Assert.True((await _store.AdmitAsync(Request())).Degraded); // still cooling down
        var calls = _backend.Calls;

        _time.Advance(TimeSpan.FromSeconds(1));
        var probe = await _store.AdmitAsync(Request());

        Assert.False(probe.Degraded);
        Assert.Equal(calls + 1, _backend.Calls);
        Assert.False(_store.IsDegraded);
        Assert.Equal([BreakerState.Open, BreakerState.Closed], _observer.Changes);
        Assert.False((await _store.AdmitAsync(Request())).Degraded);
    }

    [Fact]
    public async Task A_failed_probe_opens_the_breaker_for_another_cooldown()
    {
        await OpenBreakerAsync();
        _time.Advance(TimeSpan.FromSeconds(5));
        var calls = _backend.Calls;

        Assert.True((await _store.AdmitAsync(Request())).Degraded);
        Assert.True((await _store.AdmitAsync(Request())).Degraded);

        Assert.Equal(calls + 1, _backend.Calls); // only the probe
        Assert.Equal(BreakerState.Open, _store.BreakerState);
        _time.Advance(TimeSpan.FromSeconds(5));
        _backend.Down = false;
        Assert.False((await _store.AdmitAsync(Request())).Degraded);
    }

    [Fact]
    public async Task A_success_resets_the_count_of_consecutive_failures()
    {
        for (var round = 0; round < 3; round++)
        {
            _backend.Down = true;
            await _store.AdmitAsync(Request());
            await _store.AdmitAsync(Request());
            _backend.Down = false;
            Assert.False((await _store.AdmitAsync(Request())).Degraded);
        }

        Assert.Equal(BreakerState.Closed, _store.BreakerState);
    }

    [Fact]
    public async Task Errors_that_are_not_unavailability_propagate_and_do_not_open_the_breaker()
    {
        _backend.Broken = true;
        for (var i = 0; i < 5; i++)
        {
            await Assert.ThrowsAsync<InvalidOperationException>(async () => await _store.AdmitAsync(Request()));
        }

        Assert.Equal(BreakerState.Closed, _store.BreakerState);
    }

    [Fact]
    public async Task A_caller_giving_up_is_not_a_backend_failure()
    {
        using var cancelled = new CancellationTokenSource();
        await cancelled.CancelAsync();
        for (var i = 0; i < 5; i++)
        {
            await Assert.ThrowsAnyAsync<OperationCanceledException>(async () => await _store.AdmitAsync(Request(), cancelled.Token));
        }

        Assert.Equal(BreakerState.Closed, _store.BreakerState);
        Assert.Equal(0, _observer.Failures);
    }

    [Fact]
    public async Task Bans_and_lists_fail_closed_and_values_follow_their_configured_mode()
    {
        await OpenBreakerAsync();

        await Assert.ThrowsAsync<StateUnavailableException>(async () => await _store.BanAsync("x", TimeSpan.FromMinutes(1), "r"));
        await Assert.ThrowsAsync<StateUnavailableException>(async () => await _store.ListBansAsync());
        await Assert.ThrowsAsync<StateUnavailableException>(async () => await _store.AddToListAsync(ClientList.Deny, "x"));
        await Assert.ThrowsAsync<StateUnavailableException>(async () => await _store.IsListedAsync(ClientList.Deny, "x"));
        Assert.Equal(1, await _store.IncrementAsync("counter", 1));
        Assert.Equal(2, await _store.IncrementAsync("counter", 1));
        await _store.SetAsync("v", [1]);
        Assert.Equal([1], await _store.GetAsync("v"));
    }

    [Fact]
    public async Task Bans_made_or_seen_while_healthy_keep_the_client_out_while_degraded()
    {
        await _store.BanAsync("made-here", TimeSpan.FromMinutes(10), "local");
        await _backend.Inner.BanAsync("seen-here", TimeSpan.FromMinutes(10), "elsewhere");
        await _store.AddToListAsync(ClientList.Deny, "denied-here");
        Assert.Equal(AdmissionOutcome.Banned, (await _store.AdmitAsync(new AdmissionRequest("seen-here", "m"))).Outcome);

        await OpenBreakerAsync();

        var made = await _store.AdmitAsync(new AdmissionRequest("made-here", "m"));
        var seen = await _store.AdmitAsync(new AdmissionRequest("seen-here", "m"));
        var denied = await _store.AdmitAsync(new AdmissionRequest("denied-here", "m"));
        Assert.Equal((AdmissionOutcome.Banned, "local", true), (made.Outcome, made.Reason, made.Degraded));
        Assert.Equal((AdmissionOutcome.Banned, "elsewhere", true), (seen.Outcome, seen.Reason, seen.Degraded));
        Assert.Equal(AdmissionOutcome.Denied, denied.Outcome);
    }

    [Fact]
    public async Task Compare_and_set_goes_to_the_backend_while_it_answers()
    {
        Assert.True(await _store.CompareAndSetAsync("policy", null, [1]));
        Assert.False(await _store.CompareAndSetAsync("policy", null, [2]));

        Assert.Equal([1], await _backend.Inner.GetAsync("policy"));
        Assert.False(_store.IsDegraded);
    }

    [Fact]
    public async Task Compare_and_set_fails_closed_where_values_fail_open_and_never_writes_locally()
    {
        _backend.Down = true;

        await Assert.ThrowsAsync<StateUnavailableException>(async () => await _store.CompareAndSetAsync("policy", null, [1]));
        Assert.Null(await _store.GetAsync("policy")); // values fail open: this came from the local store, which has nothing
        Assert.Equal([StateFailureMode.FailClosed, StateFailureMode.FailOpen], _observer.Fallbacks);

        await OpenBreakerAsync();
        var calls = _backend.Calls;
        await Assert.ThrowsAsync<StateUnavailableException>(async () => await _store.CompareAndSetAsync("policy", null, [1]));
        Assert.Equal(calls, _backend.Calls); // open: not even tried
        Assert.Null(await _store.GetAsync("policy"));
    }

    [Fact]
    public void Options_that_could_never_close_or_open_are_refused()
    {
        Assert.Throws<ArgumentOutOfRangeException>(() => new ResilientStateStore(_backend, _backend, new BreakerOptions { FailureThreshold = 0 }, _time, NullLogger<ResilientStateStore>.Instance));
        Assert.Throws<ArgumentOutOfRangeException>(() => new ResilientStateStore(_backend, _backend, new BreakerOptions { OpenDuration = TimeSpan.Zero }, _time, NullLogger<ResilientStateStore>.Instance));
    }
}
