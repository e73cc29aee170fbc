namespace Guard.State;

/// <summary>What a call does when the shared backend cannot be reached (see <see cref="Resilience.ResilientStateStore"/>).</summary>
public enum StateFailureMode
{
    /// <summary>
    /// Answer from this process's local state instead, marked <see cref="AdmissionResult.Degraded"/>: limits still
    /// apply, but per process and from fresh buckets, and only bans this process has seen or made are known.
    /// </summary>
    FailOpen,

    /// <summary>Throw <see cref="StateUnavailableException"/>; the caller refuses the request.</summary>
    FailClosed,
}
