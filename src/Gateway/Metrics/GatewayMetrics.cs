using Guard.Rpc;

namespace Guard.Gateway.Metrics;

/// <summary>The gateway's instruments, named once. Exposed at <c>/metrics</c> on the HTTP listener.</summary>
public sealed class GatewayMetrics
{
    public GatewayMetrics(MetricsRegistry registry)
    {
        Registry = registry;
        Requests = registry.CreateCounter("guard_requests_total", "gRPC requests answered, by model, method and status code.", "model", "method", "code");
        RequestDuration = registry.CreateHistogram("guard_request_duration_seconds", "Time from request to status, by model and method.", Buckets.Latency, "model", "method");
        StageDuration = registry.CreateHistogram("guard_stage_duration_seconds", "Time spent in each policy stage, by model and stage.", Buckets.Latency, "model", "stage");
        Blocked = registry.CreateCounter("guard_blocked_total", "Requests blocked by a guard, by model, stage and status code.", "model", "stage", "code");
        Detections = registry.CreateCounter("guard_detections_total", "Queries a detecting stage judged an attack, by model, stage and action taken.", "model", "stage", "action");
        BlockedQueryLogFailures = registry.CreateCounter("guard_blocked_query_log_failures_total", "Detections that could not be written to the blocked-query log.", "model");
        UpstreamRequests = registry.CreateCounter("guard_upstream_requests_total", "Calls to upstream endpoints, by upstream, endpoint and status code.", "upstream", "endpoint", "code");
        UpstreamDuration = registry.CreateHistogram("guard_upstream_duration_seconds", "Upstream call latency, by upstream.", Buckets.Latency, "upstream");
        UpstreamRetries = registry.CreateCounter("guard_upstream_retries_total", "Requests sent again to another endpoint because they never reached the first.", "upstream");
        UpstreamPanic = registry.CreateCounter("guard_upstream_panic_total", "Requests routed to an unhealthy endpoint because no endpoint of the upstream was healthy.", "upstream");
        UpstreamHealthy = registry.CreateGauge("guard_upstream_healthy", "1 when the endpoint is in rotation, 0 when health checks took it out.", "upstream", "endpoint");
        UpstreamOutstanding = registry.CreateGauge("guard_upstream_outstanding", "Calls in flight to the endpoint.", "upstream", "endpoint");
        ConfigReloads = registry.CreateCounter("guard_config_reloads_total", "Configuration reloads, by result.", "result");
        ConfigGeneration = registry.CreateGauge("guard_config_generation", "Generation of the configuration in force.");
        Ready = registry.CreateGauge("guard_ready", "1 when every routed model has a healthy upstream endpoint.");
    }

    public MetricsRegistry Registry { get; }

    public Counter Requests { get; }

    public Histogram RequestDuration { get; }

    public Histogram StageDuration { get; }

    public Counter Blocked { get; }

    public Counter Detections { get; }

    public Counter BlockedQueryLogFailures { get; }

    public Counter UpstreamRequests { get; }

    public Histogram UpstreamDuration { get; }

    public Counter UpstreamRetries { get; }

    public Counter UpstreamPanic { get; }

    public Gauge UpstreamHealthy { get; }

    public Gauge UpstreamOutstanding { get; }

    public Counter ConfigReloads { get; }

    public Gauge ConfigGeneration { get; }

    public Gauge Ready { get; }

    public static string CodeLabel(StatusCode code) => code switch
    {
        StatusCode.OK => "OK",
        StatusCode.Cancelled => "CANCELLED",
        StatusCode.Unknown => "UNKNOWN",
        StatusCode.InvalidArgument => "INVALID_ARGUMENT",
        StatusCode.DeadlineExceeded => "DEADLINE_EXCEEDED",
        StatusCode.NotFound => "NOT_FOUND",
        StatusCode.AlreadyExists => "ALREADY_EXISTS",
        StatusCode.PermissionDenied => "PERMISSION_DENIED",
        StatusCode.ResourceExhausted => "RESOURCE_EXHAUSTED",
        StatusCode.FailedPrecondition => "FAILED_PRECONDITION",
        StatusCode.Aborted => "ABORTED",
        StatusCode.OutOfRange => "OUT_OF_RANGE",
        StatusCode.Unimplemented => "UNIMPLEMENTED",
        StatusCode.Internal => "INTERNAL",
        StatusCode.Unavailable => "UNAVAILABLE",
        StatusCode.DataLoss => "DATA_LOSS",
        StatusCode.Unauthenticated => "UNAUTHENTICATED",
        _ => ((int)code).ToString(System.Globalization.CultureInfo.InvariantCulture),
    };
}
