using Guard.Gateway.Inference;
using Guard.Gateway.Runtime;
using Guard.Integration.Tests.Infrastructure;
using Guard.Protocol.Inference;
using Guard.Rpc;
using Guard.Rpc.Client;

namespace Guard.Integration.Tests.Proxy;

/// <summary>Several endpoints per model: balancing, active health checks, retries of requests that never arrived.</summary>
public sealed class UpstreamBalancingTests
{

    private static string Config(string balancing, params string[] endpoints) => Config(balancing, routeWhenAllUnhealthy: true, endpoints);

    private static string Config(string balancing, bool routeWhenAllUnhealthy, params string[] endpoints) => $$"""
        upstreams:
          pool:
            endpoints: [ {{string.Join(", ", endpoints.Select(e => $"\"{e}\""))}} ]
            loadBalancing: {{balancing}}
            retries: 2
            healthCheck: { interval: "00:00:00.200", timeout: "00:00:00.150", unhealthyThreshold: 1, healthyThreshold: 1, routeWhenAllUnhealthy: {{(routeWhenAllUnhealthy ? "true" : "false")}} }
        models:
          simple: { upstream: pool }
          slow: { upstream: pool, policy: none }
        """;

    private static async Task<string> ServedByAsync(GrpcChannel channel, ModelInferRequest? request = null)
    {
        var result = await channel.UnaryAsync(ClientMethods.Infer, request ?? Requests.Simple(), new CallOptions(Deadline: DateTime.UtcNow.AddSeconds(20)));
        return result.Response.Parameters["served_by"].StringParam;
    }

    [Fact]
    public async Task Round_robin_alternates_between_endpoints()
    {
        await using var a = await PythonUpstream.StartAsync("a");
        await using var b = await PythonUpstream.StartAsync("b");
        await using var guard = await GuardServer.StartAsync(Config("roundRobin", a.Url, b.Url));
        using var channel = new GrpcChannel(guard.GrpcUri, new GrpcChannelOptions());

        var served = new List<string>();
        for (var i = 0; i < 10; i++)
        {
            served.Add(await ServedByAsync(channel));
        }

        Assert.Equal(5, served.Count(s => s == "a"));
        Assert.Equal(5, served.Count(s => s == "b"));
        for (var i = 1; i < served.Count; i++)
        {
            Assert.NotEqual(served[i - 1], served[i]);
        }
    }

    [Fact]
    public async Task Least_outstanding_sends_new_calls_to_the_idle_endpoint()
    {
        await using var a = await PythonUpstream.StartAsync("a");
        await using var b = await PythonUpstream.StartAsync("b");
        await using var guard = await GuardServer.StartAsync(Config("leastOutstanding", a.Url, b.Url));
        using var channel = new GrpcChannel(guard.GrpcUri, new GrpcChannelOptions());

        // Occupy one endpoint with slow calls; while they run, quick calls must all go to the other one.
        var slow = new ModelInferRequest { ModelName = "slow" };
        slow.Parameters["delay_ms"] = new InferParameter { Int64Param = 3000 };
        var busyBy = new List<Task<string>>();
        for (var i = 0; i < 3; i++)
        {
            busyBy.Add(ServedByAsync(channel, slow));
        }

        var state = guard.Get<GatewayState>();
        await Eventually.TrueAsync(() => state.Current.Clusters["pool"].Endpoints.Sum(e => e.Outstanding) == 3, TimeSpan.FromSeconds(10), "three slow calls in flight");
        var busy = state.Current.Clusters["pool"].Endpoints.OrderByDescending(e => e.Outstanding).First();
        var idleName = busy.Address.Port == a.Port ? "b" : "a";
        Assert.True(busy.Outstanding >= 2, "least-outstanding spread the slow calls");

        for (var i = 0; i < 6; i++)
        {
            Assert.Equal(idleName, await ServedByAsync(channel));
        }

        await Task.WhenAll(busyBy);
    }

    [Fact]
    public async Task A_dead_endpoint_leaves_rotation_and_requests_keep_succeeding_then_it_returns()
    {
        await using var a = await PythonUpstream.StartAsync("a");
        var b = await PythonUpstream.StartAsync("b");
        var bPort = b.Port;
        await using var guard = await GuardServer.StartAsync(Config("roundRobin", a.Url, b.Url));
        using var channel = new GrpcChannel(guard.GrpcUri, new GrpcChannelOptions());
        Assert.Equal(2, new HashSet<string> { await ServedByAsync(channel), await ServedByAsync(channel) }.Count);

        await b.DisposeAsync();

        // Right after the kill, a request routed to b never reaches it and is retried on a: no client sees an error.
        for (var i = 0; i < 10; i++)
        {
            Assert.Equal("a", await ServedByAsync(channel));
        }

        var state = guard.Get<GatewayState>();
        await Eventually.TrueAsync(() => !state.Current.Clusters["pool"].Endpoints.Single(e => e.Address.Port == bPort).IsHealthy, TimeSpan.FromSeconds(10), "b out of rotation");

        // b comes back on the same port: the health checker returns it to rotation.
        await using var b2 = await PythonUpstream.StartAsync("b", bPort);
        await Eventually.TrueAsync(async () => await ServedByAsync(channel) == "b", TimeSpan.FromSeconds(15), "b serving again");
    }

    [Fact]
    public async Task Not_ready_endpoint_is_taken_out_by_ServerReady_checks_and_guard_reports_readiness_honestly()
    {
        await using var a = await PythonUpstream.StartAsync("a");
        await using var guard = await GuardServer.StartAsync(Config("roundRobin", routeWhenAllUnhealthy: false, a.Url));
        using var channel = new GrpcChannel(guard.GrpcUri, new GrpcChannelOptions());
        var ready = new Method<ServerReadyRequest, ServerReadyResponse>(MethodType.Unary, InferenceMethods.Service, "ServerReady", Marshallers.Protobuf(ServerReadyRequest.Parser), Marshallers.Protobuf(ServerReadyResponse.Parser));
        Assert.True((await channel.UnaryAsync(ready, new ServerReadyRequest(), new CallOptions())).Response.Ready);

        a.ToggleReadiness();
        await Eventually.TrueAsync(async () => !(await channel.UnaryAsync(ready, new ServerReadyRequest(), new CallOptions())).Response.Ready, TimeSpan.FromSeconds(10), "guard not ready");
        var ex = await Assert.ThrowsAsync<RpcException>(() => ServedByAsync(channel));
        Assert.Equal(StatusCode.Unavailable, ex.StatusCode);
        Assert.Contains("no healthy endpoint", ex.Status.Message, StringComparison.Ordinal);
        var health = await PythonClient.RunAsync(guard.GrpcAddress, "health", "--expect", "NOT_SERVING");
        Assert.True(health.Ok, health.ToString());

        a.ToggleReadiness();
        await Eventually.TrueAsync(async () => (await channel.UnaryAsync(ready, new ServerReadyRequest(), new CallOptions())).Response.Ready, TimeSpan.FromSeconds(10), "guard ready again");
        Assert.Equal("a", await ServedByAsync(channel));
    }

    [Fact]
    public async Task Request_that_reached_the_upstream_is_not_retried()
    {
        await using var a = await PythonUpstream.StartAsync("a");
        await using var b = await PythonUpstream.StartAsync("b");
        await using var guard = await GuardServer.StartAsync(Config("roundRobin", a.Url, b.Url));
        using var channel = new GrpcChannel(guard.GrpcUri, new GrpcChannelOptions());
        // A call that times out at the upstream reached a model: it comes back DEADLINE_EXCEEDED, never re-sent.
        var slow = new ModelInferRequest { ModelName = "slow", Id = "no-retry" };
        slow.Parameters["delay_ms"] = new InferParameter { Int64Param = 6000 };
        var ex = await Assert.ThrowsAsync<RpcException>(() => channel.UnaryAsync(ClientMethods.Infer, slow, new CallOptions(Deadline: DateTime.UtcNow.AddMilliseconds(1500))));
        Assert.Equal(StatusCode.DeadlineExceeded, ex.StatusCode);
        await Eventually.TrueAsync(() => a.Stderr.Concat(b.Stderr).Any(l => l.Contains("no-retry", StringComparison.Ordinal)), TimeSpan.FromSeconds(15), "the upstream saw the call end: " + string.Join(" | ", a.Stderr.Concat(b.Stderr)));
        Assert.Single(a.Stderr.Concat(b.Stderr), l => l.Contains("no-retry", StringComparison.Ordinal));
        Assert.DoesNotContain("guard_upstream_retries_total{upstream=\"pool\"}", await guard.MetricsAsync(), StringComparison.Ordinal);
    }

    [Fact]
    public async Task When_no_endpoint_is_healthy_requests_still_go_out_by_default_while_readiness_says_no()
    {
        await using var a = await PythonUpstream.StartAsync("a");
        await using var guard = await GuardServer.StartAsync(Config("roundRobin", a.Url));
        using var channel = new GrpcChannel(guard.GrpcUri, new GrpcChannelOptions());
        var state = guard.Get<GatewayState>();

        // Checks now fail (ServerReady false), as they would when an overloaded server answers them too late.
        a.ToggleReadiness();
        await Eventually.TrueAsync(() => !state.Current.IsReady, TimeSpan.FromSeconds(10), "guard not ready");

        Assert.Equal("a", await ServedByAsync(channel));
        Assert.Contains("guard_upstream_panic_total{upstream=\"pool\"} 1", await guard.MetricsAsync(), StringComparison.Ordinal);
        await Eventually.TrueAsync(async () => (await guard.MetricsAsync()).Contains("guard_ready 0", StringComparison.Ordinal), TimeSpan.FromSeconds(5), "guard_ready gauge at 0");
    }

    [Fact]
    public async Task Connection_refused_is_retried_on_another_endpoint_and_takes_the_dead_one_out()
    {
        await using var a = await PythonUpstream.StartAsync("a");
        using var vacant = new System.Net.Sockets.TcpListener(System.Net.IPAddress.Loopback, 0);
        vacant.Start();
        var deadPort = ((System.Net.IPEndPoint)vacant.LocalEndpoint).Port;
        vacant.Stop();

        // No health checks: only live traffic can find out that the first endpoint is dead.
        await using var guard = await GuardServer.StartAsync($$"""
            upstreams:
              pool:
                endpoints: [ "http://127.0.0.1:{{deadPort}}", "{{a.Url}}" ]
                retries: 1
                healthCheck: { enabled: false }
            models:
              simple: { upstream: pool }
            """);
        using var channel = new GrpcChannel(guard.GrpcUri, new GrpcChannelOptions());
        for (var i = 0; i < 4; i++)
        {
            Assert.Equal("a", await ServedByAsync(channel));
        }

        var metrics = await guard.MetricsAsync();
        Assert.Contains("guard_upstream_retries_total{upstream=\"pool\"} 1", metrics, StringComparison.Ordinal);
        Assert.Contains($"guard_upstream_healthy{{upstream=\"pool\",endpoint=\"127.0.0.1:{deadPort}\"}} 0", metrics, StringComparison.Ordinal);
    }
}
