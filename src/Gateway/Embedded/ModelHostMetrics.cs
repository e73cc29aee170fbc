using Guard.Gateway.Metrics;
using Guard.ModelHost;

namespace Guard.Gateway.Embedded;

/// <summary>The embedded host's instruments: what each model runs on, how batches form, how long Runs take.</summary>
public sealed class ModelHostMetrics : IInferenceObserver
{
    public ModelHostMetrics(MetricsRegistry registry)
    {
        ArgumentNullException.ThrowIfNull(registry);
        ExecutionProvider = registry.CreateGauge("guard_model_execution_provider", "1 for the execution provider each embedded model version runs on; requested differs from provider after a CPU fallback.", "model", "version", "requested", "provider");
        Loaded = registry.CreateGauge("guard_model_loaded", "1 when the embedded model version loaded, 0 when it failed to.", "model", "version");
        BatchRows = registry.CreateHistogram("guard_model_batch_rows", "Rows (first dimension) per ONNX Runtime Run of an embedded model.", Buckets.Exponential(1, 2, 10), "model");
        BatchRequests = registry.CreateHistogram("guard_model_batch_requests", "Requests coalesced into one Run by the dynamic batcher.", Buckets.Exponential(1, 2, 10), "model");
        QueueWait = registry.CreateHistogram("guard_model_queue_seconds", "How long the oldest request of a Run waited in the model's queue.", Buckets.Latency, "model");
        RunDuration = registry.CreateHistogram("guard_model_run_seconds", "ONNX Runtime Run time, including batch assembly and splitting.", Buckets.Latency, "model");
        Runs = registry.CreateCounter("guard_model_runs_total", "ONNX Runtime Runs of embedded models, by result.", "model", "version", "result");
    }

    public Gauge ExecutionProvider { get; }

    public Gauge Loaded { get; }

    public Histogram BatchRows { get; }

    public Histogram BatchRequests { get; }

    public Histogram QueueWait { get; }

    public Histogram RunDuration { get; }

    public Counter Runs { get; }

    /// <summary>Records, once at load, what each model version runs on and which failed to load.</summary>
    public void Publish(Guard.ModelHost.ModelHost host)
    {
        ArgumentNullException.ThrowIfNull(host);
        foreach (var model in host.Loaded)
        {
            ExecutionProvider.WithLabels(model.Name, model.Version, model.ExecutionProvider.Requested, model.ExecutionProvider.Actual).Set(1);
            Loaded.WithLabels(model.Name, model.Version).Set(1);
        }
        foreach (var failure in host.Failures)
        {
            Loaded.WithLabels(failure.Model, failure.Version).Set(0);
        }
    }

    public void BatchCompleted(string model, string version, int requests, int rows, TimeSpan oldestWait, TimeSpan run, bool succeeded)
    {
        BatchRows.WithLabels(model).Observe(rows);
        BatchRequests.WithLabels(model).Observe(requests);
        QueueWait.WithLabels(model).Observe(oldestWait.TotalSeconds);
        RunDuration.WithLabels(model).Observe(run.TotalSeconds);
        Runs.WithLabels(model, version, succeeded ? "ok" : "error").Inc();
    }
}
