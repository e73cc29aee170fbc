using Guard.Integration.Tests.Infrastructure;
using Guard.Rpc;
using Guard.Rpc.Client;
using Guard.TestSupport;

namespace Guard.Integration.Tests.Identity;

/// <summary>
/// Limits in Redis, shared by Guard replicas: two Guard instances on one real redis-server see one limit; Redis
/// killed mid-test is survived as each policy chose (fail open, flagged; fail closed, UNAVAILABLE) and recovered
/// from without a restart.
/// </summary>
public sealed class SharedRedisLimitsTests : IAsyncLifetime
{
    private const string Key = "shared-limit-key";

    private PythonUpstream _upstream = null!;
    private RedisServer _redis = null!;

    public async Task InitializeAsync()
    {
        _upstream = await PythonUpstream.StartAsync("py");
        _redis = await RedisServer.StartAsync();
    }

    public async Task DisposeAsync()
    {
        await _redis.DisposeAsync();
        await _upstream.DisposeAsync();
    }

    private string Config(string redisSection, string prefix) => $$"""
        identity:
          apiKeys: [ { id: team-a, sha256: {{ApiKeyIdentityTests.Sha256(Key)}} } ]
        state:
          backend: redis
          keyPrefix: "{{prefix}}"
          redis:
        {{redisSection}}
            connectTimeout: "00:00:01"
            commandTimeout: "00:00:02"
          breaker: { failureThreshold: 2, openDuration: "00:00:01" }
        upstreams:
          py: { endpoints: [ "{{_upstream.Url}}" ], healthCheck: { interval: "00:00:01", timeout: "00:00:00.500" } }
        models:
          simple: { upstream: py, policy: open }
          echo: { upstream: py, policy: closed }
        policies:
          open:
            limits:
              enabled: true
              buckets: [ { name: per-client, scope: client, capacity: 10, refillPerSecond: 0.01 } ]
              onStateUnavailable: failOpen
          closed:
            limits:
              enabled: true
              buckets: [ { name: per-client-echo, scope: clientModel, capacity: 1000, refillPerSecond: 0 } ]
              onStateUnavailable: failClosed
        """;

    private string PlainRedis => $"    endpoints: [ \"{_redis.Endpoint}\" ]";

    private static async Task<StatusCode> CallAsync(GrpcChannel channel, Protocol.Inference.ModelInferRequest request)
    {
        try
        {
            await channel.UnaryAsync(ClientMethods.Infer, request, new CallOptions(new Metadata { { "x-api-key", Key } }, DateTime.UtcNow.AddSeconds(30)));
            return StatusCode.OK;
        }
        catch (RpcException ex)
        {
            return ex.StatusCode;
        }
    }

    private static Protocol.Inference.ModelInferRequest Echo()
    {
        var echo = new Protocol.Inference.ModelInferRequest { ModelName = "echo" };
        echo.Inputs.Add(Requests.Tensor("INPUT0", "FP32", 1, 4));
        echo.RawInputContents.Add(Google.Protobuf.ByteString.CopyFrom(new byte[16]));
        return echo;
    }

    [Fact]
    public async Task Two_Guard_processes_on_one_Redis_share_one_limit()
    {
        var prefix = "share:" + Guid.NewGuid().ToString("N")[..8] + ":";
        await using var first = await GuardServer.StartAsync(Config(PlainRedis, prefix));
        await using var second = await GuardProcess.StartAsync(Config(PlainRedis, prefix));
        using var a = new GrpcChannel(first.GrpcUri, new GrpcChannelOptions());
        using var b = new GrpcChannel(second.GrpcUri, new GrpcChannelOptions());

        // 10 tokens between them: 20 concurrent calls, 10 through each Guard.
        var calls = Enumerable.Range(0, 20).Select(i => CallAsync(i % 2 == 0 ? a : b, Requests.Simple())).ToArray();
        var codes = await Task.WhenAll(calls);
        Assert.Equal(10, codes.Count(c => c == StatusCode.OK));
        Assert.Equal(10, codes.Count(c => c == StatusCode.ResourceExhausted));
    }

    [Fact]
    public async Task Redis_killed_mid_test_fails_open_or_closed_as_configured_and_recovers_without_restart()
    {
        var prefix = "outage:" + Guid.NewGuid().ToString("N")[..8] + ":";
        await using var guard = await GuardServer.StartAsync(Config(PlainRedis, prefix));
        using var channel = new GrpcChannel(guard.GrpcUri, new GrpcChannelOptions());
        Assert.Equal(StatusCode.OK, await CallAsync(channel, Requests.Simple()));
        Assert.Equal(StatusCode.OK, await CallAsync(channel, Echo()));

        _redis.Kill();

        // Fail-open policy: served from this Guard's own state, flagged in metrics and /readyz.
        for (var i = 0; i < 5; i++)
        {
            Assert.Equal(StatusCode.OK, await CallAsync(channel, Requests.Simple()));
        }
        // Fail-closed policy: refused as unavailable, with a clear message.
        Assert.Equal(StatusCode.Unavailable, await CallAsync(channel, Echo()));
        await Eventually.TrueAsync(async () => (await guard.MetricsAsync()).Contains("guard_state_degraded 1", StringComparison.Ordinal), TimeSpan.FromSeconds(10), "degraded is flagged");
        var ready = await guard.Http.GetStringAsync(new Uri("/readyz", UriKind.Relative));
        Assert.Contains("\"degraded\":true", ready, StringComparison.Ordinal);

        await _redis.RestartAsync();

        // The breaker lets a probe through after its open time; the fail-closed model serves again.
        await Eventually.TrueAsync(async () => await CallAsync(channel, Echo()) == StatusCode.OK, TimeSpan.FromSeconds(20), "fail-closed model serves after Redis returns");
        await Eventually.TrueAsync(async () => (await guard.MetricsAsync()).Contains("guard_state_degraded 0", StringComparison.Ordinal), TimeSpan.FromSeconds(10), "degraded clears");
    }

    [Fact]
    public async Task An_ACL_user_with_a_password_from_the_environment_works_and_the_password_stays_out_of_metrics()
    {
        await using var secured = await RedisServer.StartAsync("--user", "default", "off", "--user", "guard", "on", ">s3cret-redis-pass", "~*", "+@all");
        var section = $"    endpoints: [ \"{secured.Endpoint}\" ]\n    user: guard";
        await using var guard = await GuardServer.StartAsync(
            Config(section, "acl:"),
            new Dictionary<string, string?> { ["state:redis:password"] = "s3cret-redis-pass" });
        using var channel = new GrpcChannel(guard.GrpcUri, new GrpcChannelOptions());
        Assert.Equal(StatusCode.OK, await CallAsync(channel, Echo()));
        Assert.DoesNotContain("s3cret-redis-pass", await guard.MetricsAsync(), StringComparison.Ordinal);
        Assert.DoesNotContain("s3cret-redis-pass", await guard.Http.GetStringAsync(new Uri("/readyz", UriKind.Relative)), StringComparison.Ordinal);
    }
}
