using Guard.Admin.Security;
using Guard.AuditLog;

namespace Guard.Admin.Operations;

/// <summary>Console log-in and log-out: a token becomes a cookie session, with failed attempts throttled and audited.</summary>
public sealed class SessionOperations(IAdminAuthenticator authenticator, SessionStore sessions, LoginThrottle throttle, AdminAudit audit)
{
    public async Task<AdminSession> LoginAsync(string? token, string remoteAddress, CancellationToken cancellationToken)
    {
        if (!throttle.MayTry(remoteAddress, out var retryAfter))
        {
            await audit.RecordAsync(null, AdminAuditActions.LoginFailed, remoteAddress, "throttled", null, AdminAuditOutcomes.Denied, cancellationToken);
            throw new AdminException(AdminErrorKind.TooManyRequests, $"Too many failed log-ins from this address; try again in {Math.Ceiling(retryAfter.TotalSeconds)} s.");
        }

        if (authenticator.Authenticate(token ?? "") is not { } principal)
        {
            throttle.RecordFailure(remoteAddress);
            await audit.RecordAsync(null, AdminAuditActions.LoginFailed, remoteAddress, "unknown token", null, AdminAuditOutcomes.Denied, cancellationToken);
            throw new AdminException(AdminErrorKind.Unauthenticated, "The token is not valid.");
        }

        var session = sessions.Create(principal);
        await audit.RecordAsync(principal, AdminAuditActions.Login, remoteAddress, "console session", null, AdminAuditOutcomes.Ok, cancellationToken);
        return session;
    }

    public async Task LogoutAsync(AdminSession session, CancellationToken cancellationToken)
    {
        sessions.Remove(session.Id);
        await audit.RecordAsync(session.Principal, AdminAuditActions.Logout, "", "console session", null, AdminAuditOutcomes.Ok, cancellationToken);
    }
}
