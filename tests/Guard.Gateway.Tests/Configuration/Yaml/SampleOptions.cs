namespace Guard.Gateway.Tests.Configuration.Yaml;

/// <summary>A small options shape, bound from YAML through the standard configuration binder.</summary>
public sealed class SampleOptions
{
    public string? Name { get; set; }

    public int Port { get; set; }

    public bool Tls { get; set; }

    public TimeSpan Timeout { get; set; }

    public string? Missing { get; set; } = "default";

    public IList<string> Hosts { get; } = [];

    public IDictionary<string, string> Labels { get; } = new Dictionary<string, string>();

    public IList<SampleUpstreamOptions> Upstreams { get; } = [];
}
