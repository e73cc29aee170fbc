using Guard.ModelHost.Configuration;
using Microsoft.Extensions.Configuration;

namespace Guard.Gateway.Configuration;

/// <summary>
/// Binds <see cref="GuardOptions"/> strictly: a value that does not convert, or a key that means nothing
/// (a misspelt <c>polcy:</c>), is an error naming the key. The default binder would drop the whole
/// dictionary entry around a bad value, and a dropped policy silently means a model without guards.
/// </summary>
public static class GuardOptionsBinder
{
    // Top-level keys that are not GuardOptions: logging is read by the logging system.
    private static readonly string[] OtherTopLevelKeys = ["logging"];
    private static readonly string[] OptionKeys = ["listeners", "upstreams", "models", "policies", "modelHost", "identity", "state", "queryPatterns", "blockedQueryLog", "admin"];

    /// <summary>Binds strictly and validates: the options, or every problem (binding and validation) at once.</summary>
    public static GuardOptions BindValid(IConfiguration configuration)
    {
        var options = Bind(configuration);
        var problems = GuardOptionsValidator.Validate(options);
        return problems.Count > 0 ? throw new InvalidConfigurationException(problems) : options;
    }

    public static GuardOptions Bind(IConfiguration configuration)
    {
        var options = new GuardOptions();
        var problems = new List<string>();
        Section(configuration, "listeners", options.Listeners, problems);
        Section(configuration, "upstreams", options.Upstreams, problems);
        Section(configuration, "models", options.Models, problems);
        Section(configuration, "policies", options.Policies, problems);
        Section(configuration, "identity", options.Identity, problems);
        Section(configuration, "state", options.State, problems);
        Section(configuration, "queryPatterns", options.QueryPatterns, problems);
        Section(configuration, "blockedQueryLog", options.BlockedQueryLog, problems);
        Section(configuration, "admin", options.Admin, problems);
        if (configuration.GetSection("modelHost").Exists())
        {
            options.ModelHost = new ModelHostOptions();
            Section(configuration, "modelHost", options.ModelHost, problems);
        }
        foreach (var key in TopLevelKeysOutsideEnvironment(configuration))
        {
            if (!OptionKeys.Contains(key, StringComparer.OrdinalIgnoreCase) && !OtherTopLevelKeys.Contains(key, StringComparer.OrdinalIgnoreCase))
            {
                problems.Add($"{key}: unknown top-level key (expected listeners, upstreams, models, policies, modelHost, identity, state, queryPatterns, blockedQueryLog, admin, logging)");
            }
        }

        return problems.Count > 0 ? throw new InvalidConfigurationException(problems) : options;
    }

    /// <summary>
    /// Top-level keys of the file and of explicit overrides. Environment variables are left out: GUARD_CONFIG,
    /// GUARD_ORT_LIBRARY and the like share the GUARD_ prefix without being configuration keys.
    /// </summary>
    private static IEnumerable<string> TopLevelKeysOutsideEnvironment(IConfiguration configuration)
    {
        if (configuration is not IConfigurationRoot root)
        {
            return configuration.GetChildren().Select(c => c.Key);
        }

        return root.Providers
            .Where(p => p is not Microsoft.Extensions.Configuration.EnvironmentVariables.EnvironmentVariablesConfigurationProvider)
            .SelectMany(p => p.GetChildKeys([], null))
            .Distinct(StringComparer.OrdinalIgnoreCase);
    }

    private static void Section(IConfiguration configuration, string name, object target, List<string> problems)
    {
        try
        {
            configuration.GetSection(name).Bind(target, o => o.ErrorOnUnknownConfiguration = true);
        }
        catch (InvalidOperationException ex)
        {
            // The binder's messages name the key ("Failed to convert configuration value at 'policies:default:...'").
            problems.Add(ex.InnerException is { } inner ? $"{ex.Message} {inner.Message}" : ex.Message);
        }
    }
}
