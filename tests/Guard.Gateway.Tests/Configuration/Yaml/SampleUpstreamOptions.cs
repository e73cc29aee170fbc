namespace Guard.Gateway.Tests.Configuration.Yaml;

public sealed class SampleUpstreamOptions
{
    public string? Name { get; set; }

    public int Weight { get; set; }
}
