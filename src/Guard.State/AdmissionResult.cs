namespace Guard.State;

/// <summary>How an admission was decided.</summary>
public enum AdmissionOutcome
{
    Admitted,

    /// <summary>The client is banned (<see cref="AdmissionResult.Reason"/>, until <see cref="AdmissionResult.RetryAfter"/>).</summary>
    Banned,

    /// <summary>The client is on the deny list.</summary>
    Denied,

    /// <summary>A token bucket (<see cref="AdmissionResult.Limit"/>) has too few tokens.</summary>
    RateLimited,

    /// <summary>A quota (<see cref="AdmissionResult.Limit"/>) is used up for its current window.</summary>
    QuotaExceeded,
}

/// <summary>The answer to an <see cref="AdmissionRequest"/>.</summary>
public sealed record AdmissionResult
{
    private AdmissionResult(AdmissionOutcome outcome, bool allowListed = false, string? reason = null, string? limit = null, TimeSpan? retryAfter = null)
    {
        Outcome = outcome;
        AllowListed = allowListed;
        Reason = reason;
        Limit = limit;
        RetryAfter = retryAfter;
    }

    public static AdmissionResult Admitted { get; } = new(AdmissionOutcome.Admitted);

    /// <summary>Admitted because the client is on the allow list; no limit was applied or taken from.</summary>
    public static AdmissionResult AdmittedByAllowList { get; } = new(AdmissionOutcome.Admitted, allowListed: true);

    public static AdmissionResult Denied { get; } = new(AdmissionOutcome.Denied);

    public static AdmissionResult Banned(string reason, TimeSpan remaining) =>
        new(AdmissionOutcome.Banned, reason: reason, retryAfter: remaining);

    /// <param name="retryAfter">When the bucket will have the tokens; null when waiting cannot help (the cost exceeds
    /// the capacity, or the bucket does not refill).</param>
    public static AdmissionResult RateLimited(string limit, TimeSpan? retryAfter) =>
        new(AdmissionOutcome.RateLimited, limit: limit, retryAfter: retryAfter);

    /// <param name="retryAfter">The end of the quota's window; null when the cost exceeds the whole quota.</param>
    public static AdmissionResult QuotaExceeded(string limit, TimeSpan? retryAfter) =>
        new(AdmissionOutcome.QuotaExceeded, limit: limit, retryAfter: retryAfter);

    public AdmissionOutcome Outcome { get; }

    public bool IsAdmitted => Outcome == AdmissionOutcome.Admitted;

    public bool AllowListed { get; }

    /// <summary>The ban's reason.</summary>
    public string? Reason { get; }

    /// <summary>The refusing bucket's or quota's name. When several refuse, the one that frees up last (so that
    /// retrying after <see cref="RetryAfter"/> can succeed).</summary>
    public string? Limit { get; }

    /// <summary>How long until the refusal may lift (ban remaining, tokens refilled, window over); null when unknown
    /// or when waiting cannot help.</summary>
    public TimeSpan? RetryAfter { get; }

    /// <summary>Answered from this process's local state because the shared backend was unavailable
    /// (<see cref="StateFailureMode.FailOpen"/>).</summary>
    public bool Degraded { get; init; }
}
