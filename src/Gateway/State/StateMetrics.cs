using Guard.Gateway.Metrics;
using Guard.State;
using Guard.State.Resilience;

namespace Guard.Gateway.State;

/// <summary>The shared state's health as metrics: backend failures, the breaker, answers given without the backend.</summary>
public sealed class StateMetrics : IStateObserver
{
    public StateMetrics(MetricsRegistry registry)
    {
        ArgumentNullException.ThrowIfNull(registry);
        Failures = registry.CreateCounter("guard_state_backend_failures_total", "Calls to the shared state backend (Redis) that failed as unavailable.", "error");
        Degraded = registry.CreateGauge("guard_state_degraded", "1 while the breaker in front of the shared state backend is not closed (answers come from local state or are refused).");
        Fallbacks = registry.CreateCounter("guard_state_fallbacks_total", "Calls answered without the shared backend, by failure mode.", "mode");
        Degraded.Set(0);
    }

    public Counter Failures { get; }

    public Gauge Degraded { get; }

    public Counter Fallbacks { get; }

    public void BackendFailed(Exception exception) => Failures.WithLabels(exception?.GetType().Name ?? "unknown").Inc();

    public void BreakerChanged(BreakerState state) => Degraded.Set(state == BreakerState.Closed ? 0 : 1);

    public void FellBack(StateFailureMode mode) => Fallbacks.WithLabels(mode == StateFailureMode.FailOpen ? "failOpen" : "failClosed").Inc();
}
