namespace Guard.State;

/// <summary>
/// A token bucket: holds up to <see cref="Capacity"/> tokens (the burst) and refills at
/// <see cref="RefillPerSecond"/>; a request takes its cost in tokens. State is identified by scope, name (and the
/// client and/or model the scope names), so requests that use the same name and scope share one bucket.
/// </summary>
public sealed record TokenBucketLimit
{
    public TokenBucketLimit(string name, LimitScope scope, double capacity, double refillPerSecond)
    {
        ArgumentException.ThrowIfNullOrEmpty(name);
        if (!double.IsFinite(capacity) || capacity <= 0)
        {
            throw new ArgumentOutOfRangeException(nameof(capacity), capacity, "A bucket's capacity must be positive.");
        }
        if (!double.IsFinite(refillPerSecond) || refillPerSecond < 0)
        {
            throw new ArgumentOutOfRangeException(nameof(refillPerSecond), refillPerSecond, "A bucket's refill rate must be zero or positive.");
        }
        Name = name;
        Scope = scope;
        Capacity = capacity;
        RefillPerSecond = refillPerSecond;
    }

    public string Name { get; }

    public LimitScope Scope { get; }

    public double Capacity { get; }

    /// <summary>Tokens added per second; 0 makes a bucket that never refills (until its state is evicted).</summary>
    public double RefillPerSecond { get; }
}
