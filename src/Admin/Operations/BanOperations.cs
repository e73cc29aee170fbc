using Guard.Admin.Security;
using Guard.AuditLog;
using Guard.State;

namespace Guard.Admin.Operations;

/// <summary>Bans and unbans clients in the shared state (every replica refuses a banned client at its limits stage).</summary>
public sealed class BanOperations(IStateStore state, AdminAudit audit, TimeProvider time)
{
    private static readonly TimeSpan MaxBan = TimeSpan.FromDays(365);

    public async Task<IReadOnlyList<BanView>> ListAsync(CancellationToken cancellationToken)
    {
        var bans = await StateStoreCalls.OrUnavailable(() => state.ListBansAsync(1000, cancellationToken));
        var now = time.GetUtcNow();
        return bans.OrderBy(b => b.Client, StringComparer.Ordinal).Select(b => new BanView(b.Client, b.Reason, now + b.Remaining)).ToList();
    }

    public async Task<BanView?> GetAsync(string client, CancellationToken cancellationToken) =>
        await StateStoreCalls.OrUnavailable(() => state.GetBanAsync(client, cancellationToken)) is { } ban ? new BanView(ban.Client, ban.Reason, time.GetUtcNow() + ban.Remaining) : null;

    public async Task BanAsync(AdminPrincipal principal, string? client, TimeSpan? duration, string? reason, CancellationToken cancellationToken)
    {
        PolicyOperations.Require(principal, AdminRole.Admin);
        var problems = new List<string>();
        if (string.IsNullOrWhiteSpace(client) || client.Length > 512)
        {
            problems.Add("client: the client id (1 to 512 characters) is required");
        }

        var ttl = duration ?? TimeSpan.FromHours(1);
        if (ttl <= TimeSpan.Zero || ttl > MaxBan)
        {
            problems.Add("duration: between 1 second and 365 days");
        }

        if (string.IsNullOrWhiteSpace(reason) || reason.Length > 1000)
        {
            problems.Add("reason: say why (1 to 1000 characters; it goes into the audit trail)");
        }

        if (problems.Count > 0)
        {
            await audit.RecordAsync(principal, AdminAuditActions.Ban, client ?? "", string.Join("; ", problems), reason, AdminAuditOutcomes.Invalid, cancellationToken);
            throw new AdminException(AdminErrorKind.Invalid, "The ban is not valid.", problems);
        }

        await StateStoreCalls.OrUnavailable(async ValueTask<bool> () =>
        {
            await state.BanAsync(client!, ttl, $"admin {principal.User}: {reason}", cancellationToken);
            return true;
        });
        await audit.RecordAsync(principal, AdminAuditActions.Ban, client!, $"for {ttl}", reason, AdminAuditOutcomes.Ok, cancellationToken);
    }

    public async Task<bool> UnbanAsync(AdminPrincipal principal, string client, string? reason, CancellationToken cancellationToken)
    {
        PolicyOperations.Require(principal, AdminRole.Admin);
        var lifted = await StateStoreCalls.OrUnavailable(() => state.UnbanAsync(client, cancellationToken));
        await audit.RecordAsync(principal, AdminAuditActions.Unban, client, lifted ? "ban lifted" : "was not banned", reason, lifted ? AdminAuditOutcomes.Ok : AdminAuditOutcomes.Invalid, cancellationToken);
        return lifted;
    }
}
