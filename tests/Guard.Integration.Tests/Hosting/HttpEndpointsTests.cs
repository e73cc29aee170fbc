using System.Globalization;
using System.Net;
using System.Net.Http;
using System.Net.Sockets;
using System.Text;
using System.Text.Json;
using Guard.Integration.Tests.Infrastructure;
using Guard.Protocol.Inference;
using Guard.Rpc;
using Guard.Rpc.Client;

namespace Guard.Integration.Tests.Hosting;

/// <summary>The HTTP listener's /healthz, /readyz and /metrics, and the separation of the HTTP and gRPC listeners.</summary>
public sealed class HttpEndpointsTests(ProxyFixture fixture) : IClassFixture<ProxyFixture>
{
    private static readonly TimeSpan Patience = TimeSpan.FromSeconds(15);

    private GuardServer Guard => fixture.Guard;

    private static string ConfigFor(string upstreamUrl) =>
        ProxyFixture.Config.Replace("{UPSTREAM}", upstreamUrl, StringComparison.Ordinal);

    [Fact]
    public async Task Healthz_is_200()
    {
        using var response = await Guard.Http.GetAsync(new Uri("/healthz", UriKind.Relative));
        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        Assert.Equal("live\n", await response.Content.ReadAsStringAsync());
    }

    [Fact]
    public async Task Readyz_is_200_with_the_upstream_endpoints_when_healthy()
    {
        using var response = await Guard.Http.GetAsync(new Uri("/readyz", UriKind.Relative));
        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        Assert.Equal("application/json", response.Content.Headers.ContentType?.MediaType);
        var body = JsonDocument.Parse(await response.Content.ReadAsStringAsync()).RootElement;
        Assert.True(body.GetProperty("ready").GetBoolean());
        Assert.True(body.GetProperty("generation").GetInt64() >= 1);
        var upstream = Assert.Single(body.GetProperty("upstreams").EnumerateArray());
        Assert.Equal("py", upstream.GetProperty("name").GetString());
        var endpoint = Assert.Single(upstream.GetProperty("endpoints").EnumerateArray());
        Assert.Equal(new Uri(fixture.Upstream.Url), new Uri(endpoint.GetProperty("address").GetString()!));
        Assert.True(endpoint.GetProperty("healthy").GetBoolean());
        Assert.Equal(0, endpoint.GetProperty("outstanding").GetInt32());
    }

    [Fact]
    public async Task Readyz_is_503_when_the_only_upstream_is_down()
    {
        var port = FreePort();
        var yaml = $$"""
            upstreams:
              down:
                endpoints: [ "http://127.0.0.1:{{port}}" ]
                healthCheck: { interval: "00:00:00.200", timeout: "00:00:00.200", unhealthyThreshold: 1 }
            models:
              simple: { upstream: down, policy: none }
            """;
        await using var guard = await GuardServer.StartAsync(yaml);

        await Eventually.TrueAsync(
            async () =>
            {
                using var r = await guard.Http.GetAsync(new Uri("/readyz", UriKind.Relative));
                return r.StatusCode == HttpStatusCode.ServiceUnavailable;
            },
            Patience,
            "/readyz to answer 503");

        using var response = await guard.Http.GetAsync(new Uri("/readyz", UriKind.Relative));
        var body = JsonDocument.Parse(await response.Content.ReadAsStringAsync()).RootElement;
        Assert.False(body.GetProperty("ready").GetBoolean());
        var endpoint = Assert.Single(Assert.Single(body.GetProperty("upstreams").EnumerateArray()).GetProperty("endpoints").EnumerateArray());
        Assert.False(endpoint.GetProperty("healthy").GetBoolean());
        Assert.False(string.IsNullOrEmpty(endpoint.GetProperty("lastError").GetString()), body.ToString());

        var metrics = await guard.MetricsAsync();
        Assert.Contains($"guard_upstream_healthy{{upstream=\"down\",endpoint=\"127.0.0.1:{port}\"}} 0", metrics, StringComparison.Ordinal);

        // The readiness gauge follows on the health checker's next tick.
        await Eventually.TrueAsync(async () => (await guard.MetricsAsync()).Contains("\nguard_ready 0\n", StringComparison.Ordinal), Patience, "guard_ready 0");

        // Liveness does not depend on the upstreams.
        using var live = await guard.Http.GetAsync(new Uri("/healthz", UriKind.Relative));
        Assert.Equal(HttpStatusCode.OK, live.StatusCode);
    }

    [Fact]
    public async Task Metrics_expose_requests_durations_stages_and_upstream_health()
    {
        // A Guard of its own, so the counters hold exactly what this test did.
        await using var guard = await GuardServer.StartAsync(ConfigFor(fixture.Upstream.Url));
        var ok = await PythonClient.RunAsync(guard.GrpcAddress, "infer-simple");
        Assert.True(ok.Ok, ok.ToString());
        var unknown = await PythonClient.RunAsync(guard.GrpcAddress, "unknown-model", "--model", "no_such_model");
        Assert.True(unknown.Ok, unknown.ToString());

        using var response = await guard.Http.GetAsync(new Uri("/metrics", UriKind.Relative));
        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        var contentType = response.Content.Headers.ContentType!;
        Assert.Equal("text/plain", contentType.MediaType);
        Assert.StartsWith("text/plain; version=0.0.4", contentType.ToString(), StringComparison.Ordinal);
        var metrics = await response.Content.ReadAsStringAsync();

        Assert.Equal(1, Sample(metrics, "guard_requests_total{model=\"simple\",method=\"ModelInfer\",code=\"OK\"}"));
        Assert.Equal(1, Sample(metrics, "guard_requests_total{model=\"(unrouted)\",method=\"ModelInfer\",code=\"NOT_FOUND\"}"));
        Assert.Contains("guard_request_duration_seconds_bucket{model=\"simple\",method=\"ModelInfer\",le=\"+Inf\"} 1", metrics, StringComparison.Ordinal);
        Assert.Equal(1, Sample(metrics, "guard_request_duration_seconds_count{model=\"simple\",method=\"ModelInfer\"}"));
        Assert.Contains("guard_stage_duration_seconds_bucket{model=\"simple\",stage=\"validation\",le=", metrics, StringComparison.Ordinal);
        Assert.Equal(1, Sample(metrics, "guard_stage_duration_seconds_count{model=\"simple\",stage=\"validation\"}"));
        Assert.Equal(1, Sample(metrics, $"guard_upstream_healthy{{upstream=\"py\",endpoint=\"{fixture.Upstream.Address}\"}}"));
        Assert.Equal(1, Sample(metrics, "guard_ready"));
        Assert.Contains("# TYPE guard_requests_total counter", metrics, StringComparison.Ordinal);
        Assert.Contains("# TYPE guard_request_duration_seconds histogram", metrics, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Grpc_port_does_not_serve_the_HTTP_endpoints()
    {
        // HTTP/1.1 to the h2c-only gRPC port: the connection is refused at the protocol level.
        using (var http1 = new HttpClient { BaseAddress = new Uri($"http://127.0.0.1:{Guard.GrpcPort}"), Timeout = Patience })
        {
            HttpResponseMessage? response = null;
            try
            {
                response = await http1.GetAsync(new Uri("/metrics", UriKind.Relative));
            }
            catch (HttpRequestException)
            {
            }

            if (response is not null)
            {
                using (response)
                {
                    var text = await response.Content.ReadAsStringAsync();
                    Assert.False(response.StatusCode == HttpStatusCode.OK && text.Contains("guard_requests_total", StringComparison.Ordinal), text);
                }
            }
        }

        // HTTP/2 (prior knowledge) reaches the gRPC dispatcher, which serves only gRPC POSTs.
        using var http2 = new HttpClient { Timeout = Patience };
        foreach (var path in new[] { "/metrics", "/healthz", "/readyz" })
        {
            using var request = new HttpRequestMessage(HttpMethod.Get, $"http://127.0.0.1:{Guard.GrpcPort}{path}")
            {
                Version = HttpVersion.Version20,
                VersionPolicy = HttpVersionPolicy.RequestVersionExact,
            };
            using var response = await http2.SendAsync(request);
            Assert.Equal(HttpStatusCode.MethodNotAllowed, response.StatusCode);
            Assert.DoesNotContain("guard_", await response.Content.ReadAsStringAsync(), StringComparison.Ordinal);
        }
    }

    [Fact]
    public async Task Http_port_does_not_serve_gRPC()
    {
        // Guard's own client (h2c prior knowledge) against the HTTP/1.1-only listener.
        using (var channel = new GrpcChannel(new Uri($"http://127.0.0.1:{Guard.HttpPort}"), new GrpcChannelOptions()))
        {
            var ex = await Assert.ThrowsAsync<RpcException>(() =>
                channel.UnaryAsync(InferenceService.ServerLive, new ServerLiveRequest(), new CallOptions(Deadline: DateTime.UtcNow + Patience)));
            Assert.NotEqual(StatusCode.OK, ex.StatusCode);
        }

        // A grpcio client fails too.
        var python = await PythonClient.RunAsync($"127.0.0.1:{Guard.HttpPort}", "live");
        Assert.False(python.Ok, python.ToString());

        // A gRPC-shaped HTTP/1.1 POST is not dispatched to the gRPC services either.
        using var request = new HttpRequestMessage(HttpMethod.Post, "/inference.GRPCInferenceService/ServerLive")
        {
            Content = new ByteArrayContent(new byte[5]),
        };
        request.Content.Headers.ContentType = new System.Net.Http.Headers.MediaTypeHeaderValue("application/grpc");
        using var response = await Guard.Http.SendAsync(request);
        Assert.Equal(HttpStatusCode.NotFound, response.StatusCode);
        Assert.False(response.Headers.Contains("grpc-status") || response.TrailingHeaders.Contains("grpc-status"));
    }

    [Fact]
    public async Task Unknown_HTTP_paths_are_404()
    {
        using var response = await Guard.Http.GetAsync(new Uri("/no-such-page", UriKind.Relative));
        Assert.Equal(HttpStatusCode.NotFound, response.StatusCode);
    }

    /// <summary>The value of the sample whose name and labels are exactly <paramref name="series"/>.</summary>
    private static double Sample(string metrics, string series)
    {
        foreach (var line in metrics.Split('\n'))
        {
            if (line.StartsWith(series + " ", StringComparison.Ordinal))
            {
                return double.Parse(line.AsSpan(series.Length + 1), NumberStyles.Float, CultureInfo.InvariantCulture);
            }
        }

        var family = series.Split('{')[0];
        var related = new StringBuilder();
        foreach (var line in metrics.Split('\n').Where(l => l.StartsWith(family, StringComparison.Ordinal)))
        {
            related.AppendLine(line);
        }

        Assert.Fail($"series {series} not found; lines of {family}:\n{related}");
        return double.NaN;
    }

    private static int FreePort()
    {
        using var listener = new TcpListener(IPAddress.Loopback, 0);
        listener.Start();
        return ((IPEndPoint)listener.LocalEndpoint).Port;
    }
}
