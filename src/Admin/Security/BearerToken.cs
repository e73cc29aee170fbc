namespace Guard.Admin.Security;

/// <summary>The <c>authorization: Bearer TOKEN</c> credential, as the JSON API and the gRPC service both accept it.</summary>
public static class BearerToken
{
    private const string Scheme = "Bearer ";

    /// <summary>The principal of the header's bearer token, or null when the header is not one or the token stands for nobody.</summary>
    public static AdminPrincipal? Authenticate(IAdminAuthenticator authenticator, string authorization) =>
        authorization.StartsWith(Scheme, StringComparison.OrdinalIgnoreCase) ? authenticator.Authenticate(authorization[Scheme.Length..].Trim()) : null;
}
