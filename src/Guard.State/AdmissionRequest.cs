namespace Guard.State;

/// <summary>One request to admit: who, for which model, at what cost, against which limits.</summary>
public sealed record AdmissionRequest
{
    public AdmissionRequest(string client, string model)
    {
        ArgumentException.ThrowIfNullOrEmpty(client);
        ArgumentException.ThrowIfNullOrEmpty(model);
        Client = client;
        Model = model;
    }

    /// <summary>The client's identity (see the identity guard); any string.</summary>
    public string Client { get; }

    public string Model { get; }

    /// <summary>What the request takes from every bucket and quota; 0 only checks bans and lists.</summary>
    public long Cost { get; init; } = 1;

    public IReadOnlyList<TokenBucketLimit> Buckets { get; init; } = [];

    public IReadOnlyList<QuotaLimit> Quotas { get; init; } = [];

    /// <summary>What to do when the shared backend is unavailable; the policy chooses.</summary>
    public StateFailureMode FailureMode { get; init; } = StateFailureMode.FailOpen;

    /// <summary>Throws when the request cannot be decided as given.</summary>
    /// <remarks>Limit names must be unique within a request: a refusal names its limit, and two limits with one name
    /// and scope would be one bucket counted twice.</remarks>
    internal void Validate()
    {
        ArgumentOutOfRangeException.ThrowIfNegative(Cost);
        ArgumentNullException.ThrowIfNull(Buckets);
        ArgumentNullException.ThrowIfNull(Quotas);
        var names = new HashSet<string>(StringComparer.Ordinal);
        foreach (var bucket in Buckets)
        {
            ArgumentNullException.ThrowIfNull(bucket);
            if (!names.Add(bucket.Name))
            {
                throw new ArgumentException($"Two limits are named '{bucket.Name}'.", nameof(Buckets));
            }
        }
        foreach (var quota in Quotas)
        {
            ArgumentNullException.ThrowIfNull(quota);
            if (!names.Add(quota.Name))
            {
                throw new ArgumentException($"Two limits are named '{quota.Name}'.", nameof(Quotas));
            }
        }
    }
}
