using System.Text.Json.Nodes;
using Guard.Admin.Policies;
using Guard.Gateway.Configuration;
using Guard.Gateway.Runtime;
using Microsoft.Extensions.Logging;

namespace Guard.Gateway.Admin;

/// <summary>The gateway's policies for the admin surface: admin overlays are checked and applied through the same
/// binder, validator and snapshot builder as the configuration file.</summary>
public sealed partial class GatewayPolicyCatalog(GatewayState state, ILogger<GatewayPolicyCatalog> logger) : IPolicyCatalog
{
    public PolicyCatalogView Current
    {
        get
        {
            var options = state.Current.Options;
            var file = state.FileOptions;
            var models = options.Models.ToDictionary(
                m => m.Key,
                m => new ModelBinding(m.Value.Policy ?? (options.Policies.ContainsKey(ModelOptions.DefaultPolicy) ? ModelOptions.DefaultPolicy : ModelOptions.NoPolicy), m.Value.Upstream),
                StringComparer.Ordinal);
            return new PolicyCatalogView(
                state.PolicyVersion,
                options.Policies.ToDictionary(p => p.Key, p => PolicyJson.ToJson(p.Value), StringComparer.Ordinal),
                file.Policies.ToDictionary(p => p.Key, p => PolicyJson.ToJson(p.Value), StringComparer.Ordinal),
                models,
                options.ModelHost?.Repository);
        }
    }

    public long Version => state.PolicyVersion;

    public PolicyCheck Check(PolicyOverlay overlay)
    {
        var problems = new List<string>();
        var options = ToOptions(overlay, problems);
        if (problems.Count == 0)
        {
            try
            {
                state.Compose(options);
            }
            catch (InvalidConfigurationException ex)
            {
                problems.AddRange(ex.Problems);
            }
        }

        var normalized = problems.Count > 0
            ? overlay
            : new PolicyOverlay(overlay.Version, options.Policies.ToDictionary(p => p.Key, p => PolicyJson.ToJson(p.Value), StringComparer.Ordinal));
        return new PolicyCheck(problems, normalized);
    }

    public void Apply(PolicyOverlay overlay)
    {
        var problems = new List<string>();
        var options = ToOptions(overlay, problems);
        if (problems.Count > 0 || !state.ApplyPolicies(options))
        {
            LogNotApplied(logger, overlay.Version, string.Join("; ", problems));
        }
    }

    private static PolicyOverlayOptions ToOptions(PolicyOverlay overlay, List<string> problems)
    {
        var policies = new Dictionary<string, PolicyOptions>(StringComparer.Ordinal);
        foreach (var (name, json) in overlay.Policies)
        {
            if (PolicyJson.Bind(name, json, problems) is { } policy)
            {
                policies[name] = policy;
            }
        }

        return new PolicyOverlayOptions(overlay.Version, policies);
    }

    [LoggerMessage(Level = LogLevel.Error, Message = "Admin policy version {Version} could not be put in force; the previous policies stay {Problems}")]
    private static partial void LogNotApplied(ILogger logger, long version, string problems);
}
