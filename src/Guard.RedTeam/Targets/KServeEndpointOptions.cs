namespace Guard.RedTeam.Targets;

/// <summary>Where the model is: a KServe v2 gRPC endpoint (http:// for h2c, https:// for TLS), the model and its version.</summary>
public sealed record KServeEndpointOptions(Uri Address, string Model, string? Version = null)
{
    /// <summary>How long one query may take before it is given up (a deadline, so a refusal of kind DEADLINE_EXCEEDED).</summary>
    public TimeSpan QueryTimeout { get; init; } = TimeSpan.FromSeconds(30);
}
