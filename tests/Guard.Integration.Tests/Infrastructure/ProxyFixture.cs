namespace Guard.Integration.Tests.Infrastructure;

/// <summary>One Python upstream and one Guard in front of it, shared by a test class.</summary>
public sealed class ProxyFixture : IAsyncLifetime
{
    public const string Config = """
        upstreams:
          py:
            endpoints: [ "{UPSTREAM}" ]
            healthCheck: { interval: "00:00:01", timeout: "00:00:00.500" }
        models:
          simple: { upstream: py }
          echo: { upstream: py, policy: passthrough_values }
          slow: { upstream: py, policy: passthrough_values }
          fail: { upstream: py, policy: none }
        policies:
          default:
            validation: { enabled: true, useModelMetadata: true, rejectNonFinite: true }
          passthrough_values:
            validation: { enabled: true, useModelMetadata: true, rejectNonFinite: false }
        """;

    public PythonUpstream Upstream { get; private set; } = null!;

    public GuardServer Guard { get; private set; } = null!;

    public async Task InitializeAsync()
    {
        Upstream = await PythonUpstream.StartAsync("py");
        Guard = await GuardServer.StartAsync(Config.Replace("{UPSTREAM}", Upstream.Url, StringComparison.Ordinal));
    }

    public async Task DisposeAsync()
    {
        await Guard.DisposeAsync();
        await Upstream.DisposeAsync();
    }
}
