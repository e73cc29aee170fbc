using Guard.Guards.Limits;
using Guard.Guards.Pipeline;
using Guard.Guards.Tests.Support;
using Guard.Rpc;
using Guard.State;
using Guard.State.Embedded;

namespace Guard.Guards.Tests.Limits;

/// <summary>The limits stage's mapping from admissions to verdicts, on the real embedded store.</summary>
public sealed class AdmissionGuardTests
{
    private static EmbeddedStateStore Store() => new(new EmbeddedStateOptions(), TimeProvider.System);

    private static GuardContext Batch(int rows) =>
        Requests.Context(Requests.Request(Requests.Input("X", "FP32", rows, 4)));

    [Fact]
    public async Task Cost_per_row_charges_a_batch_its_size()
    {
        var guard = new AdmissionGuard(Store(), new AdmissionGuardOptions
        {
            Buckets = [new TokenBucketLimit("rows", LimitScope.Client, capacity: 5, refillPerSecond: 0)],
            CostPerRow = true,
        });

        Assert.Equal(VerdictKind.Allow, (await guard.InspectAsync(Batch(3), CancellationToken.None)).Kind);
        var refused = await guard.InspectAsync(Batch(3), CancellationToken.None);
        Assert.Equal(StatusCode.ResourceExhausted, refused.Code);
        // A bucket that never refills cannot say when to retry, and says so.
        Assert.Contains("waiting will not help", refused.Message, StringComparison.Ordinal);
        Assert.Empty(refused.Trailers);
        Assert.Equal(VerdictKind.Allow, (await guard.InspectAsync(Batch(2), CancellationToken.None)).Kind);
    }

    [Fact]
    public async Task Without_cost_per_row_a_batch_costs_one()
    {
        var guard = new AdmissionGuard(Store(), new AdmissionGuardOptions
        {
            Buckets = [new TokenBucketLimit("requests", LimitScope.Client, capacity: 2, refillPerSecond: 1)],
        });
        Assert.Equal(VerdictKind.Allow, (await guard.InspectAsync(Batch(64), CancellationToken.None)).Kind);
        Assert.Equal(VerdictKind.Allow, (await guard.InspectAsync(Batch(64), CancellationToken.None)).Kind);
        var refused = await guard.InspectAsync(Batch(64), CancellationToken.None);
        Assert.Equal(StatusCode.ResourceExhausted, refused.Code);
        var retry = Assert.Single(refused.Trailers);
        Assert.Equal(AdmissionGuard.RetryAfterTrailer, retry.Key);
        Assert.InRange(long.Parse(retry.Value, System.Globalization.CultureInfo.InvariantCulture), 1, 1000);
    }

    [Fact]
    public async Task A_store_that_fails_closed_becomes_UNAVAILABLE()
    {
        var guard = new AdmissionGuard(new UnavailableStore(), new AdmissionGuardOptions { OnStateUnavailable = StateFailureMode.FailClosed });
        var verdict = await guard.InspectAsync(Batch(1), CancellationToken.None);
        Assert.Equal(StatusCode.Unavailable, verdict.Code);
        Assert.Contains("fails closed", verdict.Message, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Static_deny_wins_without_a_store_call_and_static_allow_skips_limits_but_not_bans()
    {
        var store = Store();
        var guard = new AdmissionGuard(store, new AdmissionGuardOptions
        {
            Buckets = [new TokenBucketLimit("none-left", LimitScope.Client, capacity: 1, refillPerSecond: 0)],
            Allow = new HashSet<string>(["client-1"], StringComparer.Ordinal),
        });
        for (var i = 0; i < 5; i++)
        {
            Assert.Equal(VerdictKind.Allow, (await guard.InspectAsync(Batch(1), CancellationToken.None)).Kind);
        }

        await store.BanAsync("client-1", TimeSpan.FromMinutes(1), "testing");
        Assert.Equal(StatusCode.PermissionDenied, (await guard.InspectAsync(Batch(1), CancellationToken.None)).Code);

        var denying = new AdmissionGuard(new UnavailableStore(), new AdmissionGuardOptions { Deny = new HashSet<string>(["client-1"], StringComparer.Ordinal) });
        var denied = await denying.InspectAsync(Batch(1), CancellationToken.None);
        Assert.Equal(StatusCode.PermissionDenied, denied.Code);
        Assert.Contains("deny list", denied.Message, StringComparison.Ordinal);
    }

    /// <summary>A backend that is always down and has no fallback (as the resilient store in fail-closed mode).</summary>
    private sealed class UnavailableStore : IStateStore
    {
        private static StateUnavailableException Down() => new("down for the test");

        public ValueTask<AdmissionResult> AdmitAsync(AdmissionRequest request, CancellationToken cancellationToken = default) => throw Down();

        public ValueTask BanAsync(string client, TimeSpan ttl, string reason, CancellationToken cancellationToken = default) => throw Down();

        public ValueTask<bool> UnbanAsync(string client, CancellationToken cancellationToken = default) => throw Down();

        public ValueTask<BanInfo?> GetBanAsync(string client, CancellationToken cancellationToken = default) => throw Down();

        public ValueTask<IReadOnlyList<BanInfo>> ListBansAsync(int limit = 100, CancellationToken cancellationToken = default) => throw Down();

        public ValueTask AddToListAsync(ClientList list, string client, TimeSpan? ttl = null, CancellationToken cancellationToken = default) => throw Down();

        public ValueTask<bool> RemoveFromListAsync(ClientList list, string client, CancellationToken cancellationToken = default) => throw Down();

        public ValueTask<bool> IsListedAsync(ClientList list, string client, CancellationToken cancellationToken = default) => throw Down();

        public ValueTask<long> IncrementAsync(string key, long delta = 1, TimeSpan? ttl = null, CancellationToken cancellationToken = default) => throw Down();

        public ValueTask<byte[]?> GetAsync(string key, CancellationToken cancellationToken = default) => throw Down();

        public ValueTask SetAsync(string key, byte[] value, TimeSpan? ttl = null, CancellationToken cancellationToken = default) => throw Down();

        public ValueTask<bool> DeleteAsync(string key, CancellationToken cancellationToken = default) => throw Down();

        public ValueTask<bool> CompareAndSetAsync(string key, byte[]? expected, byte[] value, CancellationToken cancellationToken = default) => throw Down();
    }
}
