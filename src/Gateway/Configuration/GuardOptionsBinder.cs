using Microsoft.Extensions.Configuration;

namespace Guard.Gateway.Configuration;

/// <summary>
/// Binds <see cref="GuardOptions"/> strictly: a value that does not convert, or a key that means nothing
/// (a misspelt <c>polcy:</c>), is an error naming the key. The default binder would drop the whole
/// dictionary entry around a bad value, and a dropped policy silently means a model without guards.
/// </summary>
public static class GuardOptionsBinder
{
    // Top-level keys that are not GuardOptions: logging is read by the logging system, and GUARD_CONFIG
    // (the file's own path) arrives through the GUARD_ environment prefix as "config".
    private static readonly string[] OtherTopLevelKeys = ["logging", "config"];
    private static readonly string[] OptionKeys = ["listeners", "upstreams", "models", "policies"];

    public static GuardOptions Bind(IConfiguration configuration)
    {
        var options = new GuardOptions();
        var problems = new List<string>();
        Section(configuration, "listeners", options.Listeners, problems);
        Section(configuration, "upstreams", options.Upstreams, problems);
        Section(configuration, "models", options.Models, problems);
        Section(configuration, "policies", options.Policies, problems);
        foreach (var child in configuration.GetChildren())
        {
            if (!OptionKeys.Contains(child.Key, StringComparer.OrdinalIgnoreCase) && !OtherTopLevelKeys.Contains(child.Key, StringComparer.OrdinalIgnoreCase))
            {
                problems.Add($"{child.Key}: unknown top-level key (expected listeners, upstreams, models, policies, logging)");
            }
        }

        return problems.Count > 0 ? throw new InvalidConfigurationException(problems) : options;
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
