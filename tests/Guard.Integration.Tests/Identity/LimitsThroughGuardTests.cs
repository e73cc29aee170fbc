using Guard.Gateway.State;
using Guard.Integration.Tests.Infrastructure;
using Guard.Rpc;
using Guard.Rpc.Client;

namespace Guard.Integration.Tests.Identity;

/// <summary>
/// The limits stage end to end on the embedded state store: per-client token buckets keyed by the caller's identity,
/// quotas, static allow and deny lists, and bans, with statuses, messages and retry-after-ms trailers.
/// </summary>
public sealed class LimitsThroughGuardTests : IAsyncLifetime
{
    private const string KeyA = "key-for-team-a";
    private const string KeyB = "key-for-team-b";
    private const string KeyOps = "key-for-ops";
    private const string KeyBad = "key-for-mallory";

    private PythonUpstream _upstream = null!;
    private GuardServer _guard = null!;

    public async Task InitializeAsync()
    {
        _upstream = await PythonUpstream.StartAsync("py");
        _guard = await GuardServer.StartAsync($$"""
            identity:
              apiKeys:
                - { id: team-a, sha256: {{ApiKeyIdentityTests.Sha256(KeyA)}} }
                - { id: team-b, sha256: {{ApiKeyIdentityTests.Sha256(KeyB)}} }
                - { id: ops, sha256: {{ApiKeyIdentityTests.Sha256(KeyOps)}} }
                - { id: mallory, sha256: {{ApiKeyIdentityTests.Sha256(KeyBad)}} }
            upstreams:
              py: { endpoints: [ "{{_upstream.Url}}" ], healthCheck: { interval: "00:00:01", timeout: "00:00:00.500" } }
            models:
              simple: { upstream: py, policy: limited }
              echo: { upstream: py, policy: quota }
            policies:
              limited:
                limits:
                  enabled: true
                  buckets: [ { name: per-client, scope: client, capacity: 3, refillPerSecond: 0.01 } ]
                  allow: [ "key:ops" ]
                  deny: [ "key:mallory" ]
                validation: { enabled: true }
              quota:
                limits:
                  enabled: true
                  quotas: [ { name: per-client-minute, scope: client, limit: 2, window: "00:01:00" } ]
            """);
    }

    public async Task DisposeAsync()
    {
        await _guard.DisposeAsync();
        await _upstream.DisposeAsync();
    }

    private static async Task<RpcException?> InferAsync(GrpcChannel channel, string key, Protocol.Inference.ModelInferRequest? request = null)
    {
        var headers = new Metadata { { "x-api-key", key } };
        try
        {
            await channel.UnaryAsync(ClientMethods.Infer, request ?? Requests.Simple(), new CallOptions(headers, DateTime.UtcNow.AddSeconds(30)));
            return null;
        }
        catch (RpcException ex)
        {
            return ex;
        }
    }

    [Fact]
    public async Task Each_client_has_its_own_bucket_and_a_refusal_says_when_to_retry()
    {
        using var channel = new GrpcChannel(_guard.GrpcUri, new GrpcChannelOptions());
        for (var i = 0; i < 3; i++)
        {
            Assert.Null(await InferAsync(channel, KeyA));
        }

        var refused = await InferAsync(channel, KeyA);
        Assert.NotNull(refused);
        Assert.Equal(StatusCode.ResourceExhausted, refused.StatusCode);
        Assert.Contains("Rate limit 'per-client' exceeded for client 'key:team-a'", refused.Status.Message, StringComparison.Ordinal);
        var retryAfter = long.Parse(refused.Trailers.GetValue("retry-after-ms")!, System.Globalization.CultureInfo.InvariantCulture);
        Assert.InRange(retryAfter, 1, 110_000);

        // Another key is another client with a full bucket; the allow-listed one is never limited.
        Assert.Null(await InferAsync(channel, KeyB));
        for (var i = 0; i < 10; i++)
        {
            Assert.Null(await InferAsync(channel, KeyOps));
        }

        var metrics = await _guard.MetricsAsync();
        Assert.Contains("guard_blocked_total{model=\"simple\",stage=\"limits\",code=\"RESOURCE_EXHAUSTED\"} 1", metrics, StringComparison.Ordinal);
    }

    [Fact]
    public async Task A_denied_client_is_PERMISSION_DENIED_and_a_banned_one_hears_for_how_long_but_not_why()
    {
        using var channel = new GrpcChannel(_guard.GrpcUri, new GrpcChannelOptions());
        var denied = await InferAsync(channel, KeyBad);
        Assert.Equal(StatusCode.PermissionDenied, denied!.StatusCode);
        Assert.Contains("deny list", denied.Status.Message, StringComparison.Ordinal);

        var store = _guard.Get<StateStoreHost>().Store;
        await store.BanAsync("key:team-b", TimeSpan.FromMinutes(5), "query pattern of a black-box attack");
        var banned = await InferAsync(channel, KeyB);
        Assert.Equal(StatusCode.PermissionDenied, banned!.StatusCode);
        Assert.Contains("banned", banned.Status.Message, StringComparison.Ordinal);
        // The reason is for operators (it may name the stage that caught the client): an attacker learns nothing from it.
        Assert.DoesNotContain("query pattern", banned.Status.Message, StringComparison.Ordinal);
        Assert.Equal("query pattern of a black-box attack", (await store.GetBanAsync("key:team-b"))!.Reason);
        Assert.NotNull(banned.Trailers.GetValue("retry-after-ms"));

        // A ban outranks the allow list, and lifting it lets the client back in.
        await store.BanAsync("key:ops", TimeSpan.FromMinutes(5), "stolen key");
        Assert.Equal(StatusCode.PermissionDenied, (await InferAsync(channel, KeyOps))!.StatusCode);
        await store.UnbanAsync("key:ops");
        await store.UnbanAsync("key:team-b");
        Assert.Null(await InferAsync(channel, KeyOps));
    }

    [Fact]
    public async Task A_quota_refuses_the_rest_of_its_window()
    {
        using var channel = new GrpcChannel(_guard.GrpcUri, new GrpcChannelOptions());
        var echo = new Protocol.Inference.ModelInferRequest { ModelName = "echo" };
        echo.Inputs.Add(Requests.Tensor("INPUT0", "FP32", 1, 4));
        echo.RawInputContents.Add(Google.Protobuf.ByteString.CopyFrom(new byte[16]));
        Assert.Null(await InferAsync(channel, KeyA, echo));
        Assert.Null(await InferAsync(channel, KeyA, echo));
        var refused = await InferAsync(channel, KeyA, echo);
        Assert.Equal(StatusCode.ResourceExhausted, refused!.StatusCode);
        Assert.Contains("Quota 'per-client-minute' used up", refused.Status.Message, StringComparison.Ordinal);
        var renews = long.Parse(refused.Trailers.GetValue("retry-after-ms")!, System.Globalization.CultureInfo.InvariantCulture);
        Assert.InRange(renews, 1, 60_000);
    }
}
