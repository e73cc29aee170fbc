using Guard.Admin.Operations;
using Microsoft.AspNetCore.Http;

namespace Guard.Admin.Security;

/// <summary>
/// Who is making an admin HTTP request: a bearer token (scripts, the CLI) or the console's session cookie. A
/// cookie-authenticated change must also carry the session's CSRF token in <see cref="CsrfHeader"/> and, when the
/// browser says where it comes from, come from this origin: a cookie alone is sent by any page's forms.
/// </summary>
public sealed class RequestAuthenticator(IAdminAuthenticator authenticator, SessionStore sessions)
{
    public const string CookieName = "__Host-guard-session";
    public const string CsrfHeader = "X-CSRF-Token";

    /// <summary>The caller, and the session when it came with one.</summary>
    /// <exception cref="AdminException">Unauthenticated, or Forbidden for a change without a valid CSRF token.</exception>
    public (AdminPrincipal Principal, AdminSession? Session) Authenticate(HttpContext http)
    {
        var authorization = http.Request.Headers.Authorization.ToString();
        if (authorization.Length > 0)
        {
            if (BearerToken.Authenticate(authenticator, authorization) is not { } principal)
            {
                throw new AdminException(AdminErrorKind.Unauthenticated, "The bearer token is not valid.");
            }

            return (principal, null);
        }

        if (sessions.Find(http.Request.Cookies[CookieName]) is not { } session)
        {
            throw new AdminException(AdminErrorKind.Unauthenticated, "Log in first (no session, or it expired).");
        }

        if (!HttpMethods.IsGet(http.Request.Method) && !HttpMethods.IsHead(http.Request.Method))
        {
            var presented = http.Request.Headers[CsrfHeader].ToString();
            if (!System.Security.Cryptography.CryptographicOperations.FixedTimeEquals(
                    System.Text.Encoding.UTF8.GetBytes(presented), System.Text.Encoding.UTF8.GetBytes(session.CsrfToken)))
            {
                throw new AdminException(AdminErrorKind.Forbidden, "The request lacks the session's CSRF token.");
            }

            CheckOrigin(http);
        }

        return (session.Principal, session);
    }

    /// <summary>Refuses a state change whose Origin header names another site.</summary>
    public static void CheckOrigin(HttpContext http)
    {
        var origin = http.Request.Headers.Origin.ToString();
        if (origin.Length > 0 && !string.Equals(origin, $"{http.Request.Scheme}://{http.Request.Host}", StringComparison.OrdinalIgnoreCase))
        {
            throw new AdminException(AdminErrorKind.Forbidden, "The request comes from another origin.");
        }
    }
}
