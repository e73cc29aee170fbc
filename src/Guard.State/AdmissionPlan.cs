namespace Guard.State;

/// <summary>An <see cref="AdmissionRequest"/> resolved to keys: what both backends need to decide it.</summary>
internal sealed class AdmissionPlan
{
    private AdmissionPlan(AdmissionRequest request, StateKeys keys)
    {
        Request = request;
        BanKey = keys.Ban(request.Client);
        DenyKey = keys.List(ClientList.Deny, request.Client);
        AllowKey = keys.List(ClientList.Allow, request.Client);
        Buckets = request.Buckets.Select(b => new PlannedLimit<TokenBucketLimit>(keys.Bucket(b, request.Client, request.Model), b)).ToArray();
        Quotas = request.Quotas.Select(q => new PlannedLimit<QuotaLimit>(keys.Quota(q, request.Client, request.Model), q)).ToArray();
    }

    /// <exception cref="ArgumentException">The request is inconsistent.</exception>
    public static AdmissionPlan Create(AdmissionRequest request, StateKeys keys)
    {
        ArgumentNullException.ThrowIfNull(request);
        request.Validate();
        return new AdmissionPlan(request, keys);
    }

    public AdmissionRequest Request { get; }

    public long Cost => Request.Cost;

    public string BanKey { get; }

    public string DenyKey { get; }

    public string AllowKey { get; }

    public IReadOnlyList<PlannedLimit<TokenBucketLimit>> Buckets { get; }

    public IReadOnlyList<PlannedLimit<QuotaLimit>> Quotas { get; }
}

/// <summary>A limit and the key its state lives at.</summary>
internal readonly record struct PlannedLimit<TLimit>(string Key, TLimit Limit);
