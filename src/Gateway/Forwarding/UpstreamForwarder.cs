using System.Diagnostics;
using Guard.Gateway.Metrics;
using Guard.Gateway.Upstreams;
using Guard.Rpc;
using Guard.Rpc.Client;
using Guard.Rpc.Server;
using Microsoft.Extensions.Logging;

namespace Guard.Gateway.Forwarding;

/// <summary>
/// Sends a unary call to one endpoint of a cluster, keeping the caller's metadata and remaining deadline, and
/// tries another endpoint when the request never reached the first one (so no model ran it twice).
/// </summary>
public sealed partial class UpstreamForwarder(GatewayMetrics metrics, Runtime.GatewayState state, ILogger<UpstreamForwarder> logger)
{
    public async Task<UnaryResult<TResponse>> UnaryAsync<TRequest, TResponse>(
        UpstreamCluster cluster, Method<TRequest, TResponse> method, TRequest request, ServerCallContext context)
    {
        var headers = UpstreamMetadata.From(context.RequestHeaders, state.Current.Options.Identity.ForwardCredentials);
        var options = new CallOptions(headers, EffectiveDeadline(cluster, context), context.CancellationToken);
        UpstreamEndpoint? failed = null;
        RpcException? lastError = null;
        for (var attempt = 0; attempt <= cluster.Options.Retries; attempt++)
        {
            var endpoint = cluster.Pick(exclude: failed, out var panic);
            if (endpoint is null)
            {
                break;
            }

            if (panic)
            {
                metrics.UpstreamPanic.WithLabels(cluster.Name).Inc();
            }

            if (attempt > 0)
            {
                metrics.UpstreamRetries.WithLabels(cluster.Name).Inc();
            }

            var started = Stopwatch.GetTimestamp();
            using var lease = endpoint.BeginCall();
            try
            {
                var result = await endpoint.Channel.UnaryAsync(method, request, options);
                Record(cluster, endpoint, StatusCode.OK, started);
                return result;
            }
            catch (RpcException ex)
            {
                Record(cluster, endpoint, ex.StatusCode, started);
                if (!ex.RequestNotSent)
                {
                    throw;
                }

                if (endpoint.ReportConnectFailure(ex.Status.Message))
                {
                    LogEndpointDown(logger, cluster.Name, endpoint.Address.Authority, ex.Status.Message);
                    metrics.UpstreamHealthy.WithLabels(cluster.Name, endpoint.Address.Authority).Set(0);
                }

                lastError = ex;
                failed = endpoint;
            }
        }

        throw lastError is not null
            ? new RpcException(new Status(StatusCode.Unavailable, $"Upstream '{cluster.Name}' is unavailable: {lastError.Status.Message}"))
            : new RpcException(StatusCode.Unavailable, $"Upstream '{cluster.Name}' has no healthy endpoint.");
    }

    /// <summary>The caller's deadline, or the cluster's default timeout for callers that set none.</summary>
    public static DateTime? EffectiveDeadline(UpstreamCluster cluster, ServerCallContext context) =>
        context.Deadline ?? (cluster.Options.DefaultTimeout is { } t ? DateTime.UtcNow + t : null);

    private void Record(UpstreamCluster cluster, UpstreamEndpoint endpoint, StatusCode code, long started)
    {
        metrics.UpstreamRequests.WithLabels(cluster.Name, endpoint.Address.Authority, GatewayMetrics.CodeLabel(code)).Inc();
        metrics.UpstreamDuration.WithLabels(cluster.Name).Observe(Stopwatch.GetElapsedTime(started).TotalSeconds);
    }

    [LoggerMessage(Level = LogLevel.Warning, Message = "Upstream {Upstream} endpoint {Endpoint} failed to connect and is out of rotation: {Error}")]
    private static partial void LogEndpointDown(ILogger logger, string upstream, string endpoint, string error);
}
