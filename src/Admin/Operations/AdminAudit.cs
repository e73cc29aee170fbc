using System.Text.Json;
using Guard.Admin.Policies;
using Guard.Admin.Security;
using Guard.AuditLog;
using Microsoft.Extensions.Logging;

namespace Guard.Admin.Operations;

/// <summary>
/// Writes admin actions to the durable audit trail. A policy version's entry carries the whole version (as JSON), so
/// the trail alone can restore the policies in force when the state store lost them (an embedded store after a
/// restart, a flushed Redis). A write that fails is logged as an error and does not undo the action.
/// </summary>
public sealed partial class AdminAudit(IAdminAuditLog log, TimeProvider time, ILogger<AdminAudit> logger)
{
    private static readonly JsonSerializerOptions Json = new(JsonSerializerDefaults.Web);

    public IAdminAuditLog Log => log;

    public Task RecordAsync(AdminPrincipal? principal, string action, string target, string detail, string? reason, string outcome, CancellationToken cancellationToken) =>
        AppendAsync(new AdminAuditEntry
        {
            TimeUtc = time.GetUtcNow(),
            User = principal?.User ?? "",
            Role = principal?.RoleName ?? "",
            Action = action,
            Target = target,
            Detail = detail,
            Reason = reason ?? "",
            Outcome = outcome,
        }, cancellationToken);

    public Task RecordVersionAsync(AdminPrincipal principal, string action, string target, PolicyVersion version, CancellationToken cancellationToken) =>
        AppendAsync(new AdminAuditEntry
        {
            TimeUtc = version.TimeUtc,
            User = principal.User,
            Role = principal.RoleName,
            Action = action,
            Target = target,
            Detail = JsonSerializer.Serialize(version, Json),
            Reason = version.Reason,
            Outcome = AdminAuditOutcomes.Ok,
        }, cancellationToken);

    /// <summary>The newest policy version the trail holds, or null.</summary>
    public async Task<PolicyVersion?> LatestVersionAsync(CancellationToken cancellationToken)
    {
        PolicyVersion? latest = null;
        foreach (var action in new[] { AdminAuditActions.PolicySet, AdminAuditActions.PolicyRollback })
        {
            foreach (var entry in await log.ListAsync(20, null, null, action, cancellationToken))
            {
                if (entry.Outcome == AdminAuditOutcomes.Ok && TryVersion(entry.Detail) is { } version && version.Version > (latest?.Version ?? 0))
                {
                    latest = version;
                }
            }
        }

        return latest;
    }

    private static PolicyVersion? TryVersion(string detail)
    {
        try
        {
            return JsonSerializer.Deserialize<PolicyVersion>(detail, Json);
        }
        catch (JsonException)
        {
            return null;
        }
    }

    private async Task AppendAsync(AdminAuditEntry entry, CancellationToken cancellationToken)
    {
        // The log line names who did what and how it ended; the detail (a whole policy version) stays in the trail.
        LogAction(logger, entry.Action, entry.User.Length > 0 ? entry.User : "(unauthenticated)", entry.Target, entry.Outcome);
        try
        {
            await log.AppendAsync(entry, cancellationToken);
        }
        catch (Exception ex) when (ex is not OperationCanceledException)
        {
            LogAuditFailed(logger, entry.Action, entry.User, entry.Outcome, ex);
        }
    }

    [LoggerMessage(Level = LogLevel.Information, Message = "Admin action {Action} by {User} on {Target}: {Outcome}")]
    private static partial void LogAction(ILogger logger, string action, string user, string target, string outcome);

    [LoggerMessage(Level = LogLevel.Error, Message = "Admin action {Action} by {User} ({Outcome}) could not be written to the audit trail")]
    private static partial void LogAuditFailed(ILogger logger, string action, string user, string outcome, Exception exception);
}
