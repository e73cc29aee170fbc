using Microsoft.Extensions.Configuration;

namespace Guard.Gateway.Configuration.Yaml;

public static class YamlConfigurationExtensions
{
    /// <summary>Adds a YAML file, read like the JSON provider reads JSON (nested keys joined with ':', sequences indexed).</summary>
    /// <param name="path">Absolute, or relative to the builder's base path.</param>
    /// <param name="optional">Whether a missing file is fine.</param>
    /// <param name="reloadOnChange">Whether to reload (and raise the change token) when the file changes.</param>
    public static IConfigurationBuilder AddYamlFile(this IConfigurationBuilder builder, string path, bool optional, bool reloadOnChange)
    {
        ArgumentNullException.ThrowIfNull(builder);
        ArgumentException.ThrowIfNullOrEmpty(path);
        return builder.AddYamlFile(source =>
        {
            source.Path = path;
            source.Optional = optional;
            source.ReloadOnChange = reloadOnChange;

            // An absolute path gets a file provider rooted at its directory; a relative one uses the builder's.
            source.ResolveFileProvider();
        });
    }

    /// <summary>Adds a YAML file configured in full (file provider, reload delay, load-error handler).</summary>
    public static IConfigurationBuilder AddYamlFile(this IConfigurationBuilder builder, Action<YamlConfigurationSource>? configureSource)
    {
        ArgumentNullException.ThrowIfNull(builder);
        return builder.Add(configureSource);
    }
}
