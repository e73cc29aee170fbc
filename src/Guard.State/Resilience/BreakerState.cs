namespace Guard.State.Resilience;

public enum BreakerState
{
    /// <summary>Calls go to the backend.</summary>
    Closed,

    /// <summary>The backend failed repeatedly; calls are answered without it until the cooldown is over.</summary>
    Open,

    /// <summary>The cooldown is over and one call is probing the backend; the others are still answered without it.</summary>
    HalfOpen,
}
