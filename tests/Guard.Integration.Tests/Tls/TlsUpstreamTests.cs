using System.Net;
using System.Text.Json;
using Guard.Integration.Tests.Infrastructure;

namespace Guard.Integration.Tests.Tls;

/// <summary>A Python upstream that only speaks TLS, with a server certificate from the test CA.</summary>
public sealed class TlsUpstreamFixture : IAsyncLifetime
{
    public TestCertificates Certificates { get; } = new();

    public PythonUpstream Upstream { get; private set; } = null!;

    public async Task InitializeAsync()
    {
        Upstream = await PythonUpstream.StartAsync(
            "tls-py",
            0,
            "--tls-cert",
            Certificates.Server.CertificatePath,
            "--tls-key",
            Certificates.Server.KeyPath);
    }

    public async Task DisposeAsync()
    {
        await Upstream.DisposeAsync();
        Certificates.Dispose();
    }
}

/// <summary>Guard → upstream over TLS (https:// endpoints with <c>upstreams.x.tls.ca</c>), behind a plaintext Guard listener.</summary>
public sealed class TlsUpstreamTests(TlsUpstreamFixture fixture) : IClassFixture<TlsUpstreamFixture>
{
    private static readonly TimeSpan Patience = TimeSpan.FromSeconds(15);

    private string Config(string ca) => $$"""
        upstreams:
          secure:
            endpoints: [ "https://127.0.0.1:{{fixture.Upstream.Port}}" ]
            tls: { ca: "{{ca}}" }
            retries: 0
            healthCheck: { interval: "00:00:00.200", timeout: "00:00:00.200", unhealthyThreshold: 1 }
        models:
          simple: { upstream: secure }
        policies:
          default:
            validation: { enabled: true, useModelMetadata: true }
        """;

    private static async Task<(HttpStatusCode Status, JsonElement Body)> ReadyzAsync(GuardServer guard)
    {
        using var response = await guard.Http.GetAsync(new Uri("/readyz", UriKind.Relative));
        var body = JsonDocument.Parse(await response.Content.ReadAsStringAsync()).RootElement.Clone();
        return (response.StatusCode, body);
    }

    private static JsonElement OnlyEndpoint(JsonElement readyz)
    {
        var upstream = Assert.Single(readyz.GetProperty("upstreams").EnumerateArray());
        Assert.Equal("secure", upstream.GetProperty("name").GetString());
        return Assert.Single(upstream.GetProperty("endpoints").EnumerateArray());
    }

    [Fact]
    public async Task Plaintext_client_reaches_a_TLS_upstream_through_Guard()
    {
        await using var guard = await GuardServer.StartAsync(Config(fixture.Certificates.Ca.CertificatePath));
        var result = await PythonClient.RunAsync(guard.GrpcAddress, "infer-simple");
        Assert.True(result.Ok, result.ToString());
        Assert.Contains("\"served_by\": \"tls-py\"", result.Raw, StringComparison.Ordinal);

        // Health checks run over the same TLS channel and keep the endpoint in rotation.
        await Eventually.TrueAsync(
            async () =>
            {
                var (status, body) = await ReadyzAsync(guard);
                var endpoint = OnlyEndpoint(body);
                return status == HttpStatusCode.OK && endpoint.GetProperty("lastCheck").ValueKind != JsonValueKind.Null;
            },
            Patience,
            "a health check over TLS succeeded");
        var (_, ready) = await ReadyzAsync(guard);
        var endpoint = OnlyEndpoint(ready);
        Assert.True(endpoint.GetProperty("healthy").GetBoolean(), ready.ToString());
        Assert.Equal(JsonValueKind.Null, endpoint.GetProperty("lastError").ValueKind);

        var metrics = await guard.MetricsAsync();
        Assert.Contains($"guard_upstream_healthy{{upstream=\"secure\",endpoint=\"127.0.0.1:{fixture.Upstream.Port}\"}} 1", metrics, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Upstream_certificate_from_an_untrusted_CA_is_UNAVAILABLE_and_not_ready()
    {
        await using var guard = await GuardServer.StartAsync(Config(fixture.Certificates.OtherCa.CertificatePath));

        // A request before the first failed health check still gets UNAVAILABLE from the handshake itself.
        var result = await PythonClient.RunAsync(guard.GrpcAddress, "infer-simple");
        Assert.False(result.Ok, result.ToString());
        Assert.Equal("UNAVAILABLE", result.Json.GetProperty("error").GetProperty("code").GetString());

        await Eventually.TrueAsync(async () => (await ReadyzAsync(guard)).Status == HttpStatusCode.ServiceUnavailable, Patience, "/readyz reports 503");
        var (_, body) = await ReadyzAsync(guard);
        Assert.False(body.GetProperty("ready").GetBoolean());
        var endpoint = OnlyEndpoint(body);
        Assert.False(endpoint.GetProperty("healthy").GetBoolean());
        Assert.False(string.IsNullOrEmpty(endpoint.GetProperty("lastError").GetString()), body.ToString());

        result = await PythonClient.RunAsync(guard.GrpcAddress, "infer-simple");
        Assert.False(result.Ok, result.ToString());
        Assert.Equal("UNAVAILABLE", result.Json.GetProperty("error").GetProperty("code").GetString());
        await PythonClientAssert(guard, "ready", "--expect", "false");
    }

    [Fact]
    public async Task Plaintext_endpoint_for_a_TLS_upstream_fails_as_UNAVAILABLE()
    {
        // http:// (h2c) against a server that only speaks TLS: the upstream hangs up, never a hang for the client.
        var yaml = Config(fixture.Certificates.Ca.CertificatePath).Replace("https://", "http://", StringComparison.Ordinal);
        await using var guard = await GuardServer.StartAsync(yaml);
        var result = await PythonClient.RunAsync(guard.GrpcAddress, ["--timeout-s", "20"], "infer-simple");
        Assert.False(result.Ok, result.ToString());
        Assert.Equal("UNAVAILABLE", result.Json.GetProperty("error").GetProperty("code").GetString());
        await Eventually.TrueAsync(async () => (await ReadyzAsync(guard)).Status == HttpStatusCode.ServiceUnavailable, Patience, "/readyz reports 503");
    }

    private static async Task PythonClientAssert(GuardServer guard, params string[] args)
    {
        var result = await PythonClient.RunAsync(guard.GrpcAddress, args);
        Assert.True(result.Ok, result.ToString());
    }
}
