using Guard.Gateway.Metrics;
using Guard.Guards.Pipeline;

namespace Guard.Gateway.Inference;

/// <summary>Feeds per-stage timings of the policy pipeline into the stage histogram.</summary>
public sealed class PipelineMetricsObserver(GatewayMetrics metrics) : IPipelineObserver
{
    public void OnStage(string model, StageTiming timing) =>
        metrics.StageDuration.WithLabels(model, timing.Stage).Observe(timing.Elapsed.TotalSeconds);
}
