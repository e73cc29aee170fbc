using Guard.Admin.Calibration;
using Guard.Admin.Certification;
using Guard.Admin.Live;
using Guard.Admin.Operations;
using Guard.Admin.Policies;
using Guard.Admin.Security;
using Guard.AuditLog;
using Guard.State;
using Guard.State.Notifications;
using Microsoft.Extensions.Logging;

namespace Guard.Admin;

/// <summary>Everything the admin listeners serve, built once from the options and what the gateway lends it.</summary>
public sealed class AdminSurface
{
    public AdminSurface(
        AdminOptions options,
        IPolicyCatalog catalog,
        IStateStore state,
        IStateNotifications notifications,
        IBlockedQueryLog blockedQueries,
        IAdminAuditLog auditLog,
        ILiveStats live,
        ILoggerFactory loggers,
        TimeProvider? time = null)
    {
        time ??= TimeProvider.System;
        Options = options;
        Live = live;
        Audit = new AdminAudit(auditLog, time, loggers.CreateLogger<AdminAudit>());
        var authenticator = new TokenAuthenticator(options.Users);
        var sessions = new SessionStore(options.SessionIdleTimeout, options.SessionLifetime, time);
        Authenticator = authenticator;
        Requests = new RequestAuthenticator(authenticator, sessions);
        Sessions = new SessionOperations(authenticator, sessions, new LoginThrottle(options.MaxFailedLoginsPerMinute, time), Audit);
        PolicyStore = new PolicyStore(state, notifications, time);
        Policies = new PolicyOperations(catalog, PolicyStore, Audit);
        Bans = new BanOperations(state, Audit, time);
        Blocked = new BlockedQueryOperations(blockedQueries, Bans, Audit);
        Tuning = new TuningViews(catalog, new CertificationCatalog(options.EffectiveReportsDirectories), new CalibrationReports(options.EffectiveReportsDirectories));
        Watcher = new PolicyWatcher(PolicyStore, catalog, Audit, options.PolicyPollInterval, loggers.CreateLogger<PolicyWatcher>());
    }

    public AdminOptions Options { get; }

    public IAdminAuthenticator Authenticator { get; }

    public RequestAuthenticator Requests { get; }

    public SessionOperations Sessions { get; }

    public PolicyStore PolicyStore { get; }

    public PolicyOperations Policies { get; }

    public BanOperations Bans { get; }

    public BlockedQueryOperations Blocked { get; }

    public TuningViews Tuning { get; }

    public ILiveStats Live { get; }

    public AdminAudit Audit { get; }

    /// <summary>Keeps this replica's policies at the shared newest version.</summary>
    public PolicyWatcher Watcher { get; }
}
