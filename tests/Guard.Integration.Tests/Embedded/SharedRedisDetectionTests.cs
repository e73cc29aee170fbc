using Guard.Integration.Tests.Infrastructure;
using Guard.Rpc;
using Guard.Rpc.Client;
using Guard.TestSupport;

namespace Guard.Integration.Tests.Embedded;

/// <summary>
/// Two Guard processes sharing one real redis-server, each serving the demo model on its embedded host: an attack whose
/// queries alternate between the two processes and between two API keys is still one stream to the shared index, and
/// a ban one process makes is in force on the other.
/// </summary>
public sealed class SharedRedisDetectionTests : IAsyncLifetime
{
    private const string KeyOne = "shared-detect-key-one";
    private const string KeyTwo = "shared-detect-key-two";

    private readonly TempModelRepository _repository = new();
    private RedisServer _redis = null!;

    public async Task InitializeAsync()
    {
        _repository.AddDemo("fashion_cnn");
        _redis = await RedisServer.StartAsync();
    }

    public async Task DisposeAsync()
    {
        await _redis.DisposeAsync();
        _repository.Dispose();
    }

    private string Config(string action, string prefix, string stages = "fingerprint: { enabled: true, action: ACTION }") => _repository.ModelHostYaml() + $$"""
        identity:
          apiKeys:
            - { id: one, sha256: {{Identity.ApiKeyIdentityTests.Sha256(KeyOne)}} }
            - { id: two, sha256: {{Identity.ApiKeyIdentityTests.Sha256(KeyTwo)}} }
        state:
          backend: redis
          keyPrefix: "{{prefix}}"
          redis: { endpoints: [ "{{_redis.Endpoint}}" ] }
        queryPatterns:
          secret: shared-deployment-secret-0123456789
        models:
          fashion_cnn: { upstream: embedded, policy: guarded }
        policies:
          guarded:
            limits: { enabled: true }
            validation: { enabled: true, rejectNonFinite: true, minValue: 0, maxValue: 1 }
            {{stages.Replace("ACTION", action, StringComparison.Ordinal)}}
            actions: { banFor: "00:10:00" }
        """;

    [Fact]
    public async Task An_attack_alternating_between_two_processes_and_two_keys_is_refused_within_a_few_queries()
    {
        await using var first = await GuardProcess.StartAsync(Config("reject", "it-detect-a:"));
        await using var second = await GuardProcess.StartAsync(Config("reject", "it-detect-a:"));
        using var one = new GrpcChannel(first.GrpcUri, new GrpcChannelOptions());
        using var two = new GrpcChannel(second.GrpcUri, new GrpcChannelOptions());

        // Benign traffic spread the same way is served.
        for (var i = 0; i < 60; i++)
        {
            Assert.Equal(StatusCode.OK, await FashionQueries.InferAsync(i % 2 == 0 ? one : two, DemoSet.Image(i), i % 4 < 2 ? KeyOne : KeyTwo));
        }

        // Query q goes to process q mod 2 with key (q / 2) mod 2: no process and no key sees two consecutive queries.
        var random = new Random(11);
        var current = DemoSet.Image(500);
        var refusedAt = -1;
        for (var query = 0; query < 20 && refusedAt < 0; query++)
        {
            if (await FashionQueries.InferAsync(query % 2 == 0 ? one : two, current, (query / 2) % 2 == 0 ? KeyOne : KeyTwo) == StatusCode.PermissionDenied)
            {
                refusedAt = query + 1;
            }

            current = FashionQueries.Step(current, random);
        }

        Assert.InRange(refusedAt, 2, 5);
    }

    [Fact]
    public async Task A_clients_k_nn_history_is_one_across_processes()
    {
        const string knnOnly = "knn: { enabled: true, action: ACTION }";
        await using var first = await GuardProcess.StartAsync(Config("reject", "it-detect-c:", knnOnly));
        await using var second = await GuardProcess.StartAsync(Config("reject", "it-detect-c:", knnOnly));
        using var one = new GrpcChannel(first.GrpcUri, new GrpcChannelOptions());
        using var two = new GrpcChannel(second.GrpcUri, new GrpcChannelOptions());

        // A benign client's varied images, alternating processes, are served.
        for (var i = 0; i < 40; i++)
        {
            Assert.Equal(StatusCode.OK, await FashionQueries.InferAsync(i % 2 == 0 ? one : two, DemoSet.Image(100 + i), KeyTwo));
        }

        // Near-duplicates from one key, alternating processes: neither process alone has enough of them, Redis has all.
        var random = new Random(3);
        var current = DemoSet.Image(700);
        var refusedAt = -1;
        for (var query = 0; query < 15 && refusedAt < 0; query++)
        {
            if (await FashionQueries.InferAsync(query % 2 == 0 ? one : two, current, KeyOne) == StatusCode.PermissionDenied)
            {
                refusedAt = query + 1;
            }

            current = FashionQueries.Step(current, random);
        }

        Assert.InRange(refusedAt, 4, 6);
    }

    [Fact]
    public async Task A_ban_made_by_one_process_is_in_force_on_the_other()
    {
        await using var first = await GuardProcess.StartAsync(Config("ban", "it-detect-b:"));
        await using var second = await GuardProcess.StartAsync(Config("ban", "it-detect-b:"));
        using var one = new GrpcChannel(first.GrpcUri, new GrpcChannelOptions());
        using var two = new GrpcChannel(second.GrpcUri, new GrpcChannelOptions());

        // The attack comes through process one with key one only, until it is refused (and banned).
        var random = new Random(5);
        var current = DemoSet.Image(600);
        var refused = false;
        for (var query = 0; query < 10 && !refused; query++)
        {
            refused = await FashionQueries.InferAsync(one, current, KeyOne) == StatusCode.PermissionDenied;
            current = FashionQueries.Step(current, random);
        }

        Assert.True(refused);

        // The same key on the other process, with an unrelated benign image: banned there too. The other key is served.
        Assert.Equal(StatusCode.PermissionDenied, await FashionQueries.InferAsync(two, DemoSet.Image(42), KeyOne));
        Assert.Equal(StatusCode.OK, await FashionQueries.InferAsync(two, DemoSet.Image(43), KeyTwo));
    }
}
