namespace Guard.Gateway.Hosting;

/// <summary>How to build a Guard host: the configuration file and, for tests and the CLI, overrides on top of it.</summary>
public sealed record GuardHostSettings(string ConfigPath)
{
    /// <summary>Configuration keys (e.g. <c>listeners:grpc:address</c>) that win over the file and the environment.</summary>
    public IReadOnlyDictionary<string, string?> Overrides { get; init; } = new Dictionary<string, string?>();

    /// <summary>"text" (one line per event) or "json".</summary>
    public string LogFormat { get; init; } = "text";
}
