using System.Diagnostics;
using System.Net;
using System.Net.Http.Json;
using System.Text.Json.Nodes;
using Guard.Integration.Tests.Embedded;
using Guard.Integration.Tests.Infrastructure;
using Guard.Protocol.Inference;
using Guard.Rpc.Client;
using Guard.TestSupport;

namespace Guard.Integration.Tests.Admin;

/// <summary>
/// Two Guard processes sharing one real redis-server: a policy change made through one process's admin API is in
/// force on the other within 2 seconds. The replicas poll only every 30 s here, so only the change notification
/// (Redis pub/sub) can make it in time; both see one version history.
/// </summary>
public sealed class SharedRedisPolicyTests : IAsyncLifetime
{
    private readonly TempModelRepository _repository = new();
    private RedisServer _redis = null!;

    public async Task InitializeAsync()
    {
        _repository.AddDemo("fashion_cnn").AddDemo("fashion_cnn_s025");
        _redis = await RedisServer.StartAsync();
    }

    public async Task DisposeAsync()
    {
        await _redis.DisposeAsync();
        _repository.Dispose();
    }

    private string Config() => AdminGuard.Yaml(_repository, $$"""
        state:
          backend: redis
          keyPrefix: "it-admin-shared:"
          redis: { endpoints: [ "{{_redis.Endpoint}}" ] }
        """).Replace("policyPollInterval: \"00:00:01\"", "policyPollInterval: \"00:00:30\"", StringComparison.Ordinal);

    private static HttpClient Console(GuardProcess guard) =>
        new() { BaseAddress = new Uri($"http://{guard.ConsoleAddress}"), DefaultRequestHeaders = { Authorization = new("Bearer", AdminGuard.AdminToken) } };

    private static async Task<double> MinRadiusInForceAsync(GrpcChannel channel)
    {
        var request = EmbeddedModelHostTests.FashionRequest("fashion_cnn_s025", DemoSet.Image(3), 1);
        var answer = (await channel.UnaryAsync(ClientMethods.Infer, request, new CallOptions(Deadline: DateTime.UtcNow.AddSeconds(30)))).Response;
        return answer.Parameters["smoothing_min_radius"].DoubleParam;
    }

    private static async Task<TimeSpan> TimeUntilAsync(GrpcChannel channel, double radius)
    {
        var started = Stopwatch.GetTimestamp();
        while (await MinRadiusInForceAsync(channel) != radius)
        {
            Assert.True(Stopwatch.GetElapsedTime(started) < TimeSpan.FromSeconds(10), $"r_min {radius} not in force after 10 s");
            await Task.Delay(20);
        }

        return Stopwatch.GetElapsedTime(started);
    }

    [Fact]
    public async Task A_change_made_through_one_process_is_in_force_on_the_other_within_two_seconds()
    {
        await using var first = await GuardProcess.StartAsync(Config());
        await using var second = await GuardProcess.StartAsync(Config());
        using var firstConsole = Console(first);
        using var secondConsole = Console(second);
        using var secondInference = new GrpcChannel(second.GrpcUri, new GrpcChannelOptions());
        using var firstInference = new GrpcChannel(first.GrpcUri, new GrpcChannelOptions());

        // Warm both replicas' models and connections, so the timings below are the change's propagation only.
        Assert.Equal(0, await MinRadiusInForceAsync(secondInference));
        Assert.Equal(0, await MinRadiusInForceAsync(firstInference));

        var committed = await AdminGuard.JsonAsync(
            await AdminGuard.EditPolicyAsync(firstConsole, "smoothed", p => p["smoothing"]!["minRadius"] = 0.4, "replica test"), HttpStatusCode.OK);
        var elapsed = await TimeUntilAsync(secondInference, 0.4);
        Assert.True(elapsed < TimeSpan.FromSeconds(2), $"the other replica took {elapsed.TotalMilliseconds:0} ms");

        // The live view reports the shared store's health.
        var live = await AdminGuard.JsonAsync(await secondConsole.GetAsync("/api/live"), HttpStatusCode.OK);
        Assert.Equal("redis", live["state"]!["backend"]!.GetValue<string>());
        Assert.True(live["state"]!["healthy"]!.GetValue<bool>());
        Assert.True(live["state"]!["pingMs"]!.GetValue<double>() > 0);

        // One history: the second process lists the first one's version, and rolls it back for both.
        var history = await AdminGuard.JsonAsync(await secondConsole.GetAsync("/api/policies/history"), HttpStatusCode.OK);
        Assert.Equal(committed["version"]!.GetValue<long>(), history["versions"]![0]!["version"]!.GetValue<long>());
        await AdminGuard.JsonAsync(await secondConsole.PostAsJsonAsync("/api/policies/rollback", new { version = 0, reason = "undo" }), HttpStatusCode.OK);
        elapsed = await TimeUntilAsync(firstInference, 0);
        Assert.True(elapsed < TimeSpan.FromSeconds(2), $"the rollback took {elapsed.TotalMilliseconds:0} ms to reach the first replica");

        // A replica started later picks the newest version up at start.
        await AdminGuard.JsonAsync(await AdminGuard.EditPolicyAsync(firstConsole, "smoothed", p => p["smoothing"]!["minRadius"] = 0.2, "before a new replica"), HttpStatusCode.OK);
        await using var third = await GuardProcess.StartAsync(Config());
        using var thirdInference = new GrpcChannel(third.GrpcUri, new GrpcChannelOptions());
        await TimeUntilAsync(thirdInference, 0.2);
    }

    [Fact]
    public async Task Concurrent_changes_through_two_processes_get_distinct_versions()
    {
        await using var first = await GuardProcess.StartAsync(Config());
        await using var second = await GuardProcess.StartAsync(Config());
        using var a = Console(first);
        using var b = Console(second);

        // No base version: both must land, one after the other, never overwriting each other's version.
        async Task<long> SetAsync(HttpClient client, string policy, int n)
        {
            var current = (await client.GetFromJsonAsync<JsonObject>($"/api/policies/{policy}"))!["policy"]!.AsObject();
            current["smoothing"]!["n"] = n;
            var response = await client.PutAsJsonAsync($"/api/policies/{policy}", new { policy = current, reason = $"n={n}" });
            return (await AdminGuard.JsonAsync(response, HttpStatusCode.OK))["version"]!.GetValue<long>();
        }

        var versions = await Task.WhenAll(SetAsync(a, "smoothed", 300), SetAsync(b, "guarded", 400));
        Assert.Equal([1L, 2L], versions.Order());
        var history = (await AdminGuard.JsonAsync(await a.GetAsync("/api/policies/history"), HttpStatusCode.OK))["versions"]!.AsArray();
        Assert.Equal(2, history.Count);
        var newest = await AdminGuard.JsonAsync(await b.GetAsync("/api/policies"), HttpStatusCode.OK);
        Assert.Equal(300, newest["policies"]!["smoothed"]!["smoothing"]!["n"]!.GetValue<int>());
        Assert.Equal(400, newest["policies"]!["guarded"]!["smoothing"]!["n"]!.GetValue<int>());
    }
}
