using Guard.State;

namespace Guard.Guards.Limits;

/// <summary>A policy's identity-based limits: rate limits, quotas, static allow and deny lists, and what to do without state.</summary>
public sealed class AdmissionGuardOptions
{
    public IReadOnlyList<TokenBucketLimit> Buckets { get; init; } = [];

    public IReadOnlyList<QuotaLimit> Quotas { get; init; } = [];

    /// <summary>Clients whose requests skip every limit here (bans and the deny list still apply).</summary>
    public IReadOnlySet<string> Allow { get; init; } = new HashSet<string>(StringComparer.Ordinal);

    /// <summary>Clients refused outright, before any state is consulted.</summary>
    public IReadOnlySet<string> Deny { get; init; } = new HashSet<string>(StringComparer.Ordinal);

    /// <summary>Count a request's rows (its first dimension) rather than 1, so a batch of 64 images costs 64.</summary>
    public bool CostPerRow { get; init; }

    public StateFailureMode OnStateUnavailable { get; init; } = StateFailureMode.FailOpen;
}
