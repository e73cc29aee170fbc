namespace Guard.Gateway.Identity;

/// <summary>How a caller was identified.</summary>
public enum IdentitySource
{
    ApiKey,
    Certificate,
    Peer,
    Anonymous,
}

/// <summary>
/// Who is calling, as limits, bans, detectors and logs see them: <c>key:&lt;id&gt;</c>, <c>cert:&lt;subject&gt;</c>,
/// <c>peer:&lt;address&gt;</c> or <c>anonymous</c>. Never a secret.
/// </summary>
public sealed record ClientIdentity(string Id, IdentitySource Source)
{
    public static ClientIdentity Anonymous { get; } = new("anonymous", IdentitySource.Anonymous);

    /// <summary>Identified by a credential (API key or client certificate), not just by where it connects from.</summary>
    public bool IsAuthenticated => Source is IdentitySource.ApiKey or IdentitySource.Certificate;

    public override string ToString() => Id;
}
