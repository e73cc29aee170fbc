using System.Text.Json.Nodes;
using Guard.Admin.Policies;
using Guard.Admin.Security;
using Guard.AuditLog;

namespace Guard.Admin.Operations;

/// <summary>Reading and changing policies: every change is checked against the whole configuration, versioned in the
/// shared store (so every replica applies it), put in force here at once, and written to the audit trail.</summary>
public sealed class PolicyOperations(IPolicyCatalog catalog, PolicyStore store, AdminAudit audit)
{
    private const int MaxReasonLength = 1000;

    public IReadOnlyList<ModelView> Models() =>
        catalog.Current.Models.OrderBy(m => m.Key, StringComparer.Ordinal).Select(m => new ModelView(m.Key, m.Value.Policy, m.Value.Upstream)).ToList();

    public PoliciesView List()
    {
        var view = catalog.Current;
        return new PoliciesView(view.Version, view.Policies, view.Models.ToDictionary(m => m.Key, m => m.Value.Policy, StringComparer.Ordinal));
    }

    /// <summary>A policy by name, or the policy of the model with that name.</summary>
    public PolicyView Get(string name)
    {
        var view = catalog.Current;
        var policy = view.Policies.ContainsKey(name) ? name
            : view.Models.TryGetValue(name, out var model) && view.Policies.ContainsKey(model.Policy) ? model.Policy
            : throw new AdminException(AdminErrorKind.NotFound, $"There is no policy or model named '{name}'.");
        var models = view.Models.Where(m => m.Value.Policy == policy).Select(m => m.Key).Order(StringComparer.Ordinal).ToList();
        var source = view.FilePolicies.TryGetValue(policy, out var file) && PolicyDiff.Compare(file, view.Policies[policy]).Count == 0 ? "file" : "admin";
        return new PolicyView(view.Version, policy, (JsonObject)view.Policies[policy].DeepClone(), models, source);
    }

    public async Task<CommitView> SetAsync(AdminPrincipal principal, string name, JsonObject? policy, string? reason, long? baseVersion, CancellationToken cancellationToken)
    {
        Require(principal, AdminRole.Admin);
        var problems = new List<string>();
        if (!IsPolicyName(name))
        {
            problems.Add("name: a policy name is 1 to 64 letters, digits, '_' or '-' (and not 'none')");
        }

        if (policy is null)
        {
            problems.Add("policy: the policy (a JSON object) is required");
        }

        CheckReason(reason, problems);
        if (problems.Count > 0)
        {
            await audit.RecordAsync(principal, AdminAuditActions.PolicySet, name, string.Join("; ", problems), reason, AdminAuditOutcomes.Invalid, cancellationToken);
            throw new AdminException(AdminErrorKind.Invalid, "The change is not valid.", problems);
        }

        var version = await CommitAsync(principal, AdminAuditActions.PolicySet, name, reason!, baseVersion, current =>
        {
            var next = new Dictionary<string, JsonObject>(current.Policies, StringComparer.Ordinal) { [name] = (JsonObject)policy!.DeepClone() };
            var checkedOverlay = Check(new PolicyOverlay(current.Version + 1, next));
            var before = current.Policies.TryGetValue(name, out var previous) ? previous : catalog.Current.FilePolicies.GetValueOrDefault(name);
            var changes = PolicyDiff.Compare(before, checkedOverlay.Policies[name]);
            if (changes.Count == 0)
            {
                throw new AdminException(AdminErrorKind.Invalid, $"The policy '{name}' already has these settings; nothing to change.");
            }

            return new PolicyVersion
            {
                User = principal.User,
                Role = principal.RoleName,
                Action = PolicyVersion.SetAction,
                Policy = name,
                Reason = reason!,
                Changes = changes,
                Policies = new Dictionary<string, JsonObject>(checkedOverlay.Policies, StringComparer.Ordinal),
            };
        }, cancellationToken);
        return new CommitView(version.Version, version.Changes);
    }

    public async Task<IReadOnlyList<PolicyVersion>> HistoryAsync(int limit, long before, CancellationToken cancellationToken) =>
        await StateStoreCalls.OrUnavailable(() => store.HistoryAsync(Math.Clamp(limit, 1, 500), before, cancellationToken));

    public async Task<PolicyVersion> VersionAsync(long version, CancellationToken cancellationToken) =>
        await StateStoreCalls.OrUnavailable(() => store.GetAsync(version, cancellationToken))
        ?? throw new AdminException(AdminErrorKind.NotFound, $"There is no policy version {version}.");

    /// <summary>A new version whose overlay is that of <paramref name="version"/> (0: the configuration file alone).</summary>
    public async Task<CommitView> RollbackAsync(AdminPrincipal principal, long version, string? reason, CancellationToken cancellationToken)
    {
        Require(principal, AdminRole.Admin);
        var problems = new List<string>();
        CheckReason(reason, problems);
        if (version < 0)
        {
            problems.Add("version: must be 0 (the configuration file alone) or a version number");
        }

        if (problems.Count > 0)
        {
            throw new AdminException(AdminErrorKind.Invalid, "The rollback is not valid.", problems);
        }

        var target = version == 0 ? PolicyOverlay.Empty
            : await StateStoreCalls.OrUnavailable(() => store.GetAsync(version, cancellationToken)) is { } stored ? new PolicyOverlay(stored.Version, stored.Policies)
            : throw new AdminException(AdminErrorKind.NotFound, $"There is no policy version {version}.");
        var committed = await CommitAsync(principal, AdminAuditActions.PolicyRollback, $"version {version}", reason!, null, current =>
        {
            var checkedOverlay = Check(new PolicyOverlay(current.Version + 1, target.Policies));
            var file = catalog.Current.FilePolicies;
            var changes = new List<PolicyChange>();
            foreach (var name in current.Policies.Keys.Union(checkedOverlay.Policies.Keys, StringComparer.Ordinal).Order(StringComparer.Ordinal))
            {
                var before = current.Policies.TryGetValue(name, out var b) ? b : file.GetValueOrDefault(name);
                var after = checkedOverlay.Policies.TryGetValue(name, out var a) ? a : file.GetValueOrDefault(name);
                changes.AddRange(PolicyDiff.Compare(before, after).Select(c => c with { Path = $"{name}.{c.Path}" }));
            }

            return new PolicyVersion
            {
                User = principal.User,
                Role = principal.RoleName,
                Action = PolicyVersion.RollbackAction,
                Policy = string.Join(",", changes.Select(c => c.Path.Split('.')[0]).Distinct(StringComparer.Ordinal)),
                Reason = reason!,
                RolledBackTo = version,
                Changes = changes,
                Policies = new Dictionary<string, JsonObject>(checkedOverlay.Policies, StringComparer.Ordinal),
            };
        }, cancellationToken);
        return new CommitView(committed.Version, committed.Changes);
    }

    private async Task<PolicyVersion> CommitAsync(AdminPrincipal principal, string action, string target, string reason, long? baseVersion, Func<PolicyOverlay, PolicyVersion> build, CancellationToken cancellationToken)
    {
        PolicyVersion version;
        try
        {
            version = await store.CommitAsync(baseVersion is > 0 ? baseVersion : null, build, cancellationToken);
        }
        catch (PolicyValidationException ex)
        {
            await audit.RecordAsync(principal, action, target, string.Join("; ", ex.Problems), reason, AdminAuditOutcomes.Invalid, cancellationToken);
            throw new AdminException(AdminErrorKind.Invalid, "The policy is not valid.", ex.Problems);
        }
        catch (PolicyConflictException ex)
        {
            await audit.RecordAsync(principal, action, target, ex.Message, reason, AdminAuditOutcomes.Invalid, cancellationToken);
            throw new AdminException(AdminErrorKind.Conflict, ex.Message);
        }
        catch (AdminException ex)
        {
            await audit.RecordAsync(principal, action, target, ex.Message, reason, AdminAuditOutcomes.Invalid, cancellationToken);
            throw;
        }
        catch (Guard.State.StateUnavailableException ex)
        {
            await audit.RecordAsync(principal, action, target, ex.Message, reason, AdminAuditOutcomes.Error, cancellationToken);
            throw new AdminException(AdminErrorKind.Unavailable, $"The state store is unreachable; nothing was changed. ({ex.Message})");
        }

        // In force here now; the other replicas follow the notification.
        catalog.Apply(new PolicyOverlay(version.Version, version.Policies));
        await audit.RecordVersionAsync(principal, action, target, version, cancellationToken);
        return version;
    }

    private PolicyOverlay Check(PolicyOverlay overlay)
    {
        var result = catalog.Check(overlay);
        return result.Problems.Count > 0 ? throw new PolicyValidationException(result.Problems) : result.Normalized;
    }

    private static void CheckReason(string? reason, List<string> problems)
    {
        if (string.IsNullOrWhiteSpace(reason))
        {
            problems.Add("reason: say why (it goes into the audit trail)");
        }
        else if (reason.Length > MaxReasonLength)
        {
            problems.Add($"reason: at most {MaxReasonLength} characters");
        }
    }

    internal static bool IsPolicyName(string name) =>
        name.Length is > 0 and <= 64 && name != "none" && name.All(c => char.IsAsciiLetterOrDigit(c) || c is '_' or '-');

    internal static void Require(AdminPrincipal principal, AdminRole role)
    {
        if (!principal.Can(role))
        {
            throw new AdminException(AdminErrorKind.Forbidden, $"The {principal.RoleName} role may not do this; it needs {AdminRoles.Name(role)}.");
        }
    }
}
