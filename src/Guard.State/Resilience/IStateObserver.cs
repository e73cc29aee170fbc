namespace Guard.State.Resilience;

/// <summary>What <see cref="ResilientStateStore"/> reports, for metrics and health. Called inline: keep it cheap and
/// never throw.</summary>
public interface IStateObserver
{
    /// <summary>A call to the backend failed because it was unavailable.</summary>
    void BackendFailed(Exception exception);

    /// <summary>The breaker opened or closed.</summary>
    void BreakerChanged(BreakerState state);

    /// <summary>A call was answered without the backend: from local state (<see cref="StateFailureMode.FailOpen"/>)
    /// or refused (<see cref="StateFailureMode.FailClosed"/>).</summary>
    void FellBack(StateFailureMode mode);
}
