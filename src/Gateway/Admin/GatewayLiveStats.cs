using System.Diagnostics;
using Guard.Admin.Live;
using Guard.Gateway.Metrics;
using Guard.Gateway.Runtime;
using Guard.Gateway.State;

namespace Guard.Gateway.Admin;

/// <summary>The live view's numbers, read from the gateway's own metrics (the same ones /metrics exports), the
/// snapshot's upstream health, and a timed read through the state store.</summary>
public sealed class GatewayLiveStats(GatewayMetrics metrics, GatewayState state, StateStoreHost stateHost, TimeProvider time) : ILiveStats
{
    private readonly Lock _rateLock = new();
    private (long Timestamp, double Total) _previous;

    public async ValueTask<LiveSnapshot> ReadAsync(CancellationToken cancellationToken)
    {
        var total = metrics.Requests.Values().Sum(v => v.Value);
        // Refused requests per stage (limits and validation included); flagged ones were answered, so they are apart.
        var blocks = ByStage(metrics.Blocked.Values());
        var flagged = ByStage(metrics.Detections.Values().Where(v => v.Labels[2] == "flag"));
        var stages = metrics.StageDuration.Series()
            .GroupBy(s => s.Labels[1], StringComparer.Ordinal)
            .Select(g =>
            {
                // The busiest model's series stands for the stage; merging histograms of different models would need their buckets.
                var busiest = g.MaxBy(s => s.Series.Count).Series;
                return new LiveStage(g.Key, g.Sum(s => s.Series.Count), busiest.Quantile(0.5) * 1000, busiest.Quantile(0.95) * 1000);
            })
            .OrderBy(s => s.Stage, StringComparer.Ordinal)
            .ToList();
        var snapshot = state.Current;
        var upstreams = snapshot.Clusters.Values
            .Select(c => new LiveUpstream(c.Name, c.Endpoints.Select(e => new LiveEndpoint(e.Address.Authority, e.IsHealthy, e.Outstanding)).ToList()))
            .ToList();
        return new LiveSnapshot(time.GetUtcNow(), snapshot.Generation, state.PolicyVersion, new LiveRequests((long)total, Rate(total)),
            new LiveBlocks(blocks.Values.Sum(), blocks, flagged), stages, upstreams, await StateHealthAsync(cancellationToken));
    }

    private static Dictionary<string, long> ByStage(IEnumerable<(IReadOnlyList<string> Labels, double Value)> series) =>
        series.GroupBy(v => v.Labels[1], StringComparer.Ordinal).ToDictionary(g => g.Key, g => (long)g.Sum(v => v.Value), StringComparer.Ordinal);

    private double Rate(double total)
    {
        var now = Stopwatch.GetTimestamp();
        lock (_rateLock)
        {
            var (then, before) = _previous;
            _previous = (now, total);
            var seconds = then == 0 ? 0 : Stopwatch.GetElapsedTime(then, now).TotalSeconds;
            return seconds > 0 ? Math.Max(0, (total - before) / seconds) : 0;
        }
    }

    private async Task<LiveState> StateHealthAsync(CancellationToken cancellationToken)
    {
        var backend = stateHost.Backend.ToString().ToLowerInvariant();
        var degraded = stateHost.Resilient?.IsDegraded ?? false;
        var breaker = stateHost.Resilient?.BreakerState.ToString().ToLowerInvariant();
        var started = Stopwatch.GetTimestamp();
        try
        {
            using var timeout = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
            timeout.CancelAfter(TimeSpan.FromSeconds(2));
            await stateHost.Store.GetAsync("admin:health", timeout.Token);
            return new LiveState(backend, !degraded, degraded, breaker, Stopwatch.GetElapsedTime(started).TotalMilliseconds, null);
        }
        catch (Exception ex) when (ex is Guard.State.StateUnavailableException or OperationCanceledException && !cancellationToken.IsCancellationRequested)
        {
            return new LiveState(backend, false, degraded, breaker, null, ex.Message);
        }
    }
}
