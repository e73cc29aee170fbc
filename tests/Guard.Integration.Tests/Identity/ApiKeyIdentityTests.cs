using System.Security.Cryptography;
using System.Text;
using Guard.Integration.Tests.Infrastructure;
using Guard.Rpc;
using Guard.Rpc.Client;

namespace Guard.Integration.Tests.Identity;

/// <summary>
/// API keys on a listener that requires credentials: real grpcio clients with and without keys, through Guard to a
/// real grpcio upstream. Keys are configured by their SHA-256 only and never travel upstream.
/// </summary>
public sealed class ApiKeyIdentityTests : IAsyncLifetime
{
    private const string KeyA = "s3cret-key-for-team-a";
    private const string KeyB = "another-key-for-team-b";

    private PythonUpstream _upstream = null!;
    private GuardServer _guard = null!;

    public static string Sha256(string key) => Convert.ToHexStringLower(SHA256.HashData(Encoding.UTF8.GetBytes(key)));

    public async Task InitializeAsync()
    {
        _upstream = await PythonUpstream.StartAsync("py");
        _guard = await GuardServer.StartAsync($$"""
            listeners:
              grpc:
                identity: { sources: [ apiKey ], allowAnonymous: false }
            identity:
              apiKeys:
                - { id: team-a, sha256: {{Sha256(KeyA)}} }
                - { id: team-b, sha256: {{Sha256(KeyB)}} }
            upstreams:
              py: { endpoints: [ "{{_upstream.Url}}" ], healthCheck: { interval: "00:00:01", timeout: "00:00:00.500" } }
            models:
              simple: { upstream: py }
              echo: { upstream: py, policy: none }
              fail: { upstream: py, policy: none }
            policies:
              default:
                validation: { enabled: true }
            """);
    }

    public async Task DisposeAsync()
    {
        await _guard.DisposeAsync();
        await _upstream.DisposeAsync();
    }

    [Theory]
    [InlineData("x-api-key", KeyA)]
    [InlineData("authorization", "Bearer " + KeyB)]
    public async Task A_known_key_gets_in_and_stays_with_Guard(string header, string value)
    {
        var infer = await PythonClient.RunAsync(_guard.GrpcAddress, ["--metadata", $"{header}={value}"], "infer-simple");
        Assert.True(infer.Ok, infer.ToString());

        // The upstream saw the caller's other metadata but not the credential.
        var metadata = await PythonClient.RunAsync(_guard.GrpcAddress, ["--metadata", $"{header}={value}"], "metadata", "--md", "x-trace=7", "--expect-absent", header);
        Assert.True(metadata.Ok, metadata.ToString());
    }

    [Fact]
    public async Task No_key_a_wrong_key_or_a_malformed_header_is_UNAUTHENTICATED()
    {
        using var channel = new GrpcChannel(_guard.GrpcUri, new GrpcChannelOptions());
        async Task<RpcException> Refused(params (string Key, string Value)[] headers)
        {
            var metadata = new Metadata();
            foreach (var (key, value) in headers)
            {
                metadata.Add(key, value);
            }
            return await Assert.ThrowsAsync<RpcException>(() => channel.UnaryAsync(ClientMethods.Infer, Requests.Simple(), new CallOptions(metadata)));
        }

        var none = await Refused();
        Assert.Equal(StatusCode.Unauthenticated, none.StatusCode);
        Assert.Contains("Credentials are required", none.Status.Message, StringComparison.Ordinal);

        var wrong = await Refused(("x-api-key", "not-a-key"));
        Assert.Equal(StatusCode.Unauthenticated, wrong.StatusCode);
        Assert.Equal("The API key is not valid.", wrong.Status.Message);

        var basic = await Refused(("authorization", "Basic dXNlcjpwYXNz"));
        Assert.Equal(StatusCode.Unauthenticated, basic.StatusCode);

        // Model metadata and readiness are model calls too; server liveness stays open for probes.
        var metadataCall = await Assert.ThrowsAsync<RpcException>(() => channel.UnaryAsync(ClientMethods.ModelMetadata, new Protocol.Inference.ModelMetadataRequest { Name = "simple" }, new CallOptions()));
        Assert.Equal(StatusCode.Unauthenticated, metadataCall.StatusCode);
        Assert.True((await channel.UnaryAsync(ClientMethods.ServerReady, new Protocol.Inference.ServerReadyRequest(), new CallOptions())).Response.Ready);

        var metrics = await _guard.MetricsAsync();
        Assert.Contains("code=\"UNAUTHENTICATED\"", metrics, StringComparison.Ordinal);
        Assert.DoesNotContain("not-a-key", metrics, StringComparison.Ordinal);
    }

    [Fact]
    public async Task A_grpcio_stream_without_a_key_is_refused()
    {
        var stream = await PythonClient.RunAsync(_guard.GrpcAddress, "stream");
        Assert.False(stream.Ok, stream.ToString());
        Assert.Contains("UNAUTHENTICATED", stream.Raw + stream.Stderr, StringComparison.Ordinal);
        var keyed = await PythonClient.RunAsync(_guard.GrpcAddress, ["--metadata", $"x-api-key={KeyA}"], "stream");
        Assert.True(keyed.Ok, keyed.ToString());
    }
}
