using Guard.Gateway.Inference;
using Guard.Gateway.Metrics;
using Guard.Gateway.Runtime;
using Guard.Gateway.Upstreams;
using Guard.Protocol.Inference;
using Guard.Rpc;
using Guard.Rpc.Client;
using Guard.Rpc.Health;
using Guard.Rpc.Health.V1;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;

namespace Guard.Gateway.Health;

/// <summary>
/// Asks every upstream endpoint ServerReady on its cluster's interval and takes endpoints out of (and back
/// into) rotation by the configured thresholds. Also keeps Guard's own gRPC health status current.
/// </summary>
public sealed partial class ActiveHealthChecker(GatewayState state, HealthService health, GatewayMetrics metrics, ILogger<ActiveHealthChecker> logger)
    : BackgroundService
{
    private static readonly TimeSpan Tick = TimeSpan.FromMilliseconds(250);

    private readonly Dictionary<UpstreamEndpoint, DateTime> _nextCheck = new();
    private readonly Lock _publishLock = new();

    protected override async Task ExecuteAsync(CancellationToken stoppingToken)
    {
        UpdateReadiness(state.Current);
        using var timer = new PeriodicTimer(Tick);
        var inFlight = new Dictionary<UpstreamEndpoint, Task>();
        do
        {
            var snapshot = state.Current;
            var now = DateTime.UtcNow;
            foreach (var cluster in snapshot.Clusters.Values)
            {
                var options = cluster.Options.HealthCheck;
                if (!options.Enabled)
                {
                    continue;
                }

                foreach (var endpoint in cluster.Endpoints)
                {
                    if (inFlight.TryGetValue(endpoint, out var running) && !running.IsCompleted)
                    {
                        continue;
                    }

                    if (_nextCheck.TryGetValue(endpoint, out var due) && due > now)
                    {
                        continue;
                    }

                    _nextCheck[endpoint] = now + options.Interval;
                    inFlight[endpoint] = CheckAsync(endpoint, options, stoppingToken);
                }
            }

            // Endpoints dropped by a reload are forgotten.
            if (_nextCheck.Count > 0)
            {
                var live = new HashSet<UpstreamEndpoint>(snapshot.AllEndpoints);
                foreach (var gone in _nextCheck.Keys.Where(e => !live.Contains(e)).ToList())
                {
                    _nextCheck.Remove(gone);
                    inFlight.Remove(gone);
                }
            }

            UpdateReadiness(snapshot);
        }
        while (await WaitAsync(timer, stoppingToken));

        await Task.WhenAll(inFlight.Values);
    }

    private static async Task<bool> WaitAsync(PeriodicTimer timer, CancellationToken token)
    {
        try
        {
            return await timer.WaitForNextTickAsync(token);
        }
        catch (OperationCanceledException)
        {
            return false;
        }
    }

    private async Task CheckAsync(UpstreamEndpoint endpoint, Configuration.HealthCheckOptions options, CancellationToken stoppingToken)
    {
        bool ready;
        string? error = null;
        try
        {
            var result = await endpoint.Channel.UnaryAsync(
                InferenceService.ServerReady,
                new ServerReadyRequest(),
                new CallOptions(Deadline: DateTime.UtcNow + options.Timeout, CancellationToken: stoppingToken));
            ready = result.Response.Ready;
            if (!ready)
            {
                error = "ServerReady answered false";
            }
        }
        catch (RpcException ex)
        {
            ready = false;
            error = ex.Status.ToString();
        }
        catch (OperationCanceledException)
        {
            return;
        }
        catch (ObjectDisposedException)
        {
            // A reload removed the endpoint while it was being checked.
            return;
        }

        if (endpoint.ReportCheck(ready, error, options.HealthyThreshold, options.UnhealthyThreshold))
        {
            // Publish at once, so the health service never lags ServerReady (which reads endpoint health live).
            UpdateReadiness(state.Current);
            if (ready)
            {
                LogEndpointHealthy(logger, endpoint.Upstream, endpoint.Address.Authority);
            }
            else
            {
                LogEndpointUnhealthy(logger, endpoint.Upstream, endpoint.Address.Authority, error ?? "");
            }
        }

        metrics.UpstreamHealthy.WithLabels(endpoint.Upstream, endpoint.Address.Authority).Set(endpoint.IsHealthy ? 1 : 0);
    }

    private void UpdateReadiness(GatewaySnapshot snapshot)
    {
        // Computed and published under one lock: the ticker and a finished check may publish at once, and the
        // later reading must be the one that stays.
        lock (_publishLock)
        {
            var ready = snapshot.IsReady;
            metrics.Ready.Set(ready ? 1 : 0);
            var status = ready ? HealthCheckResponse.Types.ServingStatus.Serving : HealthCheckResponse.Types.ServingStatus.NotServing;
            health.SetStatus("", status);
            health.SetStatus(InferenceMethods.Service, status);
        }

        foreach (var endpoint in snapshot.AllEndpoints)
        {
            metrics.UpstreamOutstanding.WithLabels(endpoint.Upstream, endpoint.Address.Authority).Set(endpoint.Outstanding);
        }
    }

    [LoggerMessage(Level = LogLevel.Warning, Message = "Upstream {Upstream} endpoint {Endpoint} is out of rotation: {Error}")]
    private static partial void LogEndpointUnhealthy(ILogger logger, string upstream, string endpoint, string error);

    [LoggerMessage(Level = LogLevel.Information, Message = "Upstream {Upstream} endpoint {Endpoint} is back in rotation")]
    private static partial void LogEndpointHealthy(ILogger logger, string upstream, string endpoint);
}
