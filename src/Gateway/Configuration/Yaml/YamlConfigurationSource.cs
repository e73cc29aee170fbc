using Microsoft.Extensions.Configuration;

namespace Guard.Gateway.Configuration.Yaml;

/// <summary>A YAML file as a configuration source; path, optional, reload-on-change and file provider come from the base.</summary>
public sealed class YamlConfigurationSource : FileConfigurationSource
{
    public override IConfigurationProvider Build(IConfigurationBuilder builder)
    {
        EnsureDefaults(builder);
        return new YamlConfigurationProvider(this);
    }
}
