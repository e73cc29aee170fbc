using System.Net.Security;
using System.Net.Sockets;
using System.Security.Authentication;
using System.Security.Cryptography.X509Certificates;
using Guard.Gateway.Inference;
using Guard.Integration.Tests.Infrastructure;
using Guard.Protocol.Inference;
using Guard.Rpc;
using Guard.Rpc.Client;

namespace Guard.Integration.Tests.Tls;

/// <summary>
/// A plaintext Python upstream and two Guards in front of it whose gRPC listener speaks TLS: one without client
/// certificates, one requiring a client certificate from the test CA (mutual TLS).
/// </summary>
public sealed class TlsListenerFixture : IAsyncLifetime
{
    public const string Config = """
        upstreams:
          py:
            endpoints: [ "{UPSTREAM}" ]
            healthCheck: { interval: "00:00:01", timeout: "00:00:00.500" }
        models:
          simple: { upstream: py }
          fail: { upstream: py, policy: none }
        policies:
          default:
            validation: { enabled: true, useModelMetadata: true }
        """;

    public TestCertificates Certificates { get; } = new();

    public PythonUpstream Upstream { get; private set; } = null!;

    /// <summary>TLS, clientCertificates: none.</summary>
    public GuardServer ServerTls { get; private set; } = null!;

    /// <summary>TLS, clientCertificates: require, clientCa: the test CA.</summary>
    public GuardServer MutualTls { get; private set; } = null!;

    public string Yaml => Config.Replace("{UPSTREAM}", Upstream.Url, StringComparison.Ordinal);

    /// <summary>Overrides that turn on TLS for the gRPC listener.</summary>
    public Dictionary<string, string?> TlsOverrides(string clientCertificates = "none", string? clientCa = null)
    {
        var overrides = new Dictionary<string, string?>
        {
            ["listeners:grpc:tls:certificate"] = Certificates.Server.CertificatePath,
            ["listeners:grpc:tls:key"] = Certificates.Server.KeyPath,
            ["listeners:grpc:tls:clientCertificates"] = clientCertificates,
        };
        if (clientCa is not null)
        {
            overrides["listeners:grpc:tls:clientCa"] = clientCa;
        }

        return overrides;
    }

    public async Task InitializeAsync()
    {
        Upstream = await PythonUpstream.StartAsync("py");
        ServerTls = await GuardServer.StartAsync(Yaml, TlsOverrides());
        MutualTls = await GuardServer.StartAsync(Yaml, TlsOverrides("require", Certificates.Ca.CertificatePath));
    }

    public async Task DisposeAsync()
    {
        await MutualTls.DisposeAsync();
        await ServerTls.DisposeAsync();
        await Upstream.DisposeAsync();
        Certificates.Dispose();
    }
}

/// <summary>Guard's gRPC listener over TLS (ALPN h2), with and without client certificates, for grpcio and Guard's own client.</summary>
public sealed class TlsListenerTests(TlsListenerFixture fixture) : IClassFixture<TlsListenerFixture>
{

    private TestCertificates Certs => fixture.Certificates;

    private string[] TrustCa => ["--tls-ca", Certs.Ca.CertificatePath];

    private string[] WithClient(PemPair client) =>
        ["--tls-ca", Certs.Ca.CertificatePath, "--tls-cert", client.CertificatePath, "--tls-key", client.KeyPath];

    private static async Task<PythonClient.Result> Succeeds(GuardServer guard, string[] globalArgs, params string[] args)
    {
        var result = await PythonClient.RunAsync(guard.GrpcAddress, globalArgs, args);
        Assert.True(result.Ok, result.ToString());
        return result;
    }

    /// <summary>The check fails at the transport: grpcio reports UNAVAILABLE (its code for a failed TLS handshake).</summary>
    private static async Task FailsAtTransport(GuardServer guard, string[] globalArgs, params string[] args)
    {
        var result = await PythonClient.RunAsync(guard.GrpcAddress, globalArgs, args);
        Assert.False(result.Ok, result.ToString());
        Assert.True(result.Json.TryGetProperty("error", out var error), result.ToString());
        Assert.Equal("UNAVAILABLE", error.GetProperty("code").GetString());
    }

    [Fact]
    public async Task Grpcio_client_trusting_the_CA_does_infer_stream_and_health_over_TLS()
    {
        var infer = await Succeeds(fixture.ServerTls, TrustCa, "infer-simple");
        Assert.Contains("\"served_by\": \"py\"", infer.Raw, StringComparison.Ordinal);
        await Succeeds(fixture.ServerTls, TrustCa, "stream", "--count", "6");
        await Succeeds(fixture.ServerTls, TrustCa, "health");
        await Succeeds(fixture.ServerTls, TrustCa, "health", "--service", "inference.GRPCInferenceService");
    }

    [Fact]
    public async Task Grpcio_client_can_name_the_server_localhost()
    {
        await Succeeds(fixture.ServerTls, [.. TrustCa, "--tls-server-name", "localhost"], "infer-simple");
    }

    [Fact]
    public async Task Plaintext_client_gets_nothing_from_the_TLS_listener()
    {
        await FailsAtTransport(fixture.ServerTls, [], "live");
    }

    [Fact]
    public async Task Client_trusting_another_CA_rejects_the_listener()
    {
        await FailsAtTransport(fixture.ServerTls, ["--tls-ca", Certs.OtherCa.CertificatePath], "live");
    }

    /// <summary>A raw TLS handshake with the listener, trusting only the test CA.</summary>
    private async Task<(TcpClient Tcp, SslStream Tls)> HandshakeAsync(int port, SslProtocols protocols = SslProtocols.None)
    {
        var tcp = new TcpClient();
        await tcp.ConnectAsync(System.Net.IPAddress.Loopback, port);
        var tls = new SslStream(tcp.GetStream());
        var policy = new X509ChainPolicy
        {
            TrustMode = X509ChainTrustMode.CustomRootTrust,
            RevocationMode = X509RevocationMode.NoCheck,
        };
        policy.CustomTrustStore.AddRange(TestCertificates.Trust(Certs.Ca));
        await tls.AuthenticateAsClientAsync(new SslClientAuthenticationOptions
        {
            TargetHost = "localhost",
            EnabledSslProtocols = protocols,
            ApplicationProtocols = [SslApplicationProtocol.Http2, SslApplicationProtocol.Http11],
            CertificateChainPolicy = policy,
        });
        return (tcp, tls);
    }

    [Fact]
    public async Task ALPN_negotiates_h2_and_the_server_presents_the_configured_certificate()
    {
        var (tcp, tls) = await HandshakeAsync(fixture.ServerTls.GrpcPort);
        using (tcp)
        await using (tls)
        {
            Assert.Equal(SslApplicationProtocol.Http2, tls.NegotiatedApplicationProtocol);
            using var expected = TestCertificates.Load(Certs.Server);
            Assert.Equal(expected.Thumbprint, tls.RemoteCertificate?.GetCertHashString());
        }
    }

    [Theory]
    [InlineData(SslProtocols.Tls12)]
    [InlineData(SslProtocols.Tls13)]
    public async Task TLS_1_2_and_1_3_both_negotiate_h2(SslProtocols protocol)
    {
        var (tcp, tls) = await HandshakeAsync(fixture.ServerTls.GrpcPort, protocol);
        using (tcp)
        await using (tls)
        {
            Assert.Equal(protocol, tls.SslProtocol);
            Assert.Equal(SslApplicationProtocol.Http2, tls.NegotiatedApplicationProtocol);
        }
    }

    [Fact]
    public async Task Mutual_TLS_accepts_a_client_certificate_from_the_CA()
    {
        var infer = await Succeeds(fixture.MutualTls, WithClient(Certs.Client), "infer-simple");
        Assert.Contains("\"served_by\": \"py\"", infer.Raw, StringComparison.Ordinal);
        await Succeeds(fixture.MutualTls, WithClient(Certs.Client), "stream", "--count", "4");
    }

    [Fact]
    public async Task Mutual_TLS_rejects_a_client_without_a_certificate()
    {
        await FailsAtTransport(fixture.MutualTls, TrustCa, "live");

        // The listener keeps serving the clients it accepts.
        await Succeeds(fixture.MutualTls, WithClient(Certs.Client), "live");
    }

    [Fact]
    public async Task Mutual_TLS_rejects_a_client_certificate_from_another_CA()
    {
        await FailsAtTransport(fixture.MutualTls, WithClient(Certs.OtherClient), "live");
        await Succeeds(fixture.MutualTls, WithClient(Certs.Client), "live");
    }

    [Fact]
    public async Task Allow_mode_accepts_clients_without_a_certificate_but_still_checks_presented_ones()
    {
        await using var guard = await GuardServer.StartAsync(fixture.Yaml, fixture.TlsOverrides("allow", Certs.Ca.CertificatePath));
        await Succeeds(guard, TrustCa, "infer-simple");
        await Succeeds(guard, WithClient(Certs.Client), "infer-simple");
        await FailsAtTransport(guard, WithClient(Certs.OtherClient), "live");
    }

    [Fact]
    public async Task A_listener_that_requires_a_certificate_identity_refuses_callers_without_one_as_UNAUTHENTICATED()
    {
        var overrides = fixture.TlsOverrides("allow", Certs.Ca.CertificatePath);
        overrides["listeners:grpc:identity:sources:0"] = "certificate";
        overrides["listeners:grpc:identity:allowAnonymous"] = "false";
        await using var guard = await GuardServer.StartAsync(fixture.Yaml, overrides);
        await Succeeds(guard, WithClient(Certs.Client), "infer-simple");

        // TLS without a client certificate connects, then the call is refused for want of an identity.
        var anonymous = await PythonClient.RunAsync(guard.GrpcAddress, TrustCa, "infer-simple");
        Assert.False(anonymous.Ok, anonymous.ToString());
        Assert.Contains("UNAUTHENTICATED", anonymous.Raw, StringComparison.Ordinal);
        Assert.Contains("client certificate", anonymous.Raw, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Guard_client_with_trusted_CA_and_client_certificate_works_against_mutual_TLS()
    {
        using var clientCertificate = TestCertificates.Load(Certs.Client);
        using var channel = new GrpcChannel(
            new Uri($"https://127.0.0.1:{fixture.MutualTls.GrpcPort}"),
            new GrpcChannelOptions { TrustedCertificates = TestCertificates.Trust(Certs.Ca), ClientCertificate = clientCertificate });

        var live = await channel.UnaryAsync(InferenceService.ServerLive, new ServerLiveRequest(), new CallOptions(Deadline: DateTime.UtcNow.AddSeconds(30)));
        Assert.True(live.Response.Live);
        var result = await channel.UnaryAsync(ClientMethods.Infer, Requests.Simple("cs-mtls"), new CallOptions(Deadline: DateTime.UtcNow.AddSeconds(30)));
        Assert.Equal(Enumerable.Range(1, 16), Requests.Int32Output(result.Response, 0));
        Assert.Equal(Enumerable.Range(-1, 16), Requests.Int32Output(result.Response, 1));
    }

    [Fact]
    public async Task Guard_client_trusting_the_CA_works_against_the_TLS_listener()
    {
        using var channel = new GrpcChannel(
            new Uri($"https://127.0.0.1:{fixture.ServerTls.GrpcPort}"),
            new GrpcChannelOptions { TrustedCertificates = TestCertificates.Trust(Certs.Ca) });
        var result = await channel.UnaryAsync(ClientMethods.Infer, Requests.Simple("cs-tls"), new CallOptions(Deadline: DateTime.UtcNow.AddSeconds(30)));
        Assert.Equal(Enumerable.Range(1, 16), Requests.Int32Output(result.Response, 0));
    }

    [Fact]
    public async Task Guard_client_without_client_certificate_is_refused_by_mutual_TLS()
    {
        using var channel = new GrpcChannel(
            new Uri($"https://127.0.0.1:{fixture.MutualTls.GrpcPort}"),
            new GrpcChannelOptions { TrustedCertificates = TestCertificates.Trust(Certs.Ca) });
        var ex = await Assert.ThrowsAsync<RpcException>(() =>
            channel.UnaryAsync(InferenceService.ServerLive, new ServerLiveRequest(), new CallOptions(Deadline: DateTime.UtcNow.AddSeconds(30))));
        Assert.Equal(StatusCode.Unavailable, ex.StatusCode);
    }

    [Fact]
    public async Task Guard_client_not_trusting_the_server_CA_is_UNAVAILABLE()
    {
        using var channel = new GrpcChannel(
            new Uri($"https://127.0.0.1:{fixture.ServerTls.GrpcPort}"),
            new GrpcChannelOptions { TrustedCertificates = TestCertificates.Trust(Certs.OtherCa) });
        var ex = await Assert.ThrowsAsync<RpcException>(() =>
            channel.UnaryAsync(InferenceService.ServerLive, new ServerLiveRequest(), new CallOptions(Deadline: DateTime.UtcNow.AddSeconds(30))));
        Assert.Equal(StatusCode.Unavailable, ex.StatusCode);
        Assert.True(ex.RequestNotSent, ex.ToString());
    }
}
