namespace Guard.Admin.Security;

/// <summary>
/// Turns a presented credential into a principal. Tokens are the built-in kind (<see cref="TokenAuthenticator"/>);
/// an OIDC deployment adds one that validates bearer ID tokens against its issuer and maps a claim to a role,
/// and the rest of the admin surface (sessions, CSRF, roles, audit) stays as it is.
/// </summary>
public interface IAdminAuthenticator
{
    /// <summary>The principal the credential stands for, or null when it stands for nobody.</summary>
    AdminPrincipal? Authenticate(string credential);
}
