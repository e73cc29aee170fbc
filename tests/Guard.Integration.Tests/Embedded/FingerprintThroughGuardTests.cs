using Guard.Integration.Tests.Infrastructure;
using Guard.Rpc;
using Guard.Rpc.Client;

namespace Guard.Integration.Tests.Embedded;

/// <summary>
/// The fingerprint stage in front of the demo model: benign evaluation images pass, and a query-based attack's stream
/// of near-duplicates is refused within a few queries, even when it alternates between two API keys (the index is
/// global, so Sybil accounts do not help).
/// </summary>
public sealed class FingerprintThroughGuardTests : IAsyncLifetime
{
    private const string KeyA = "attacker-key-one";
    private const string KeyB = "attacker-key-two";

    private readonly TempModelRepository _repository = new();
    private GuardServer _guard = null!;

    public async Task InitializeAsync()
    {
        _repository.AddDemo("fashion_cnn");
        _guard = await GuardServer.StartAsync(_repository.ModelHostYaml() + $$"""
            identity:
              apiKeys:
                - { id: a, sha256: {{Identity.ApiKeyIdentityTests.Sha256(KeyA)}} }
                - { id: b, sha256: {{Identity.ApiKeyIdentityTests.Sha256(KeyB)}} }
            models:
              fashion_cnn: { upstream: embedded, policy: guarded }
            policies:
              guarded:
                validation: { enabled: true, rejectNonFinite: true, minValue: 0, maxValue: 1 }
                fingerprint: { enabled: true }
            """,
            new Dictionary<string, string?> { ["queryPatterns:secret"] = "integration-test-secret-0123456789" });
    }

    public async Task DisposeAsync()
    {
        await _guard.DisposeAsync();
        _repository.Dispose();
    }

    [Fact]
    public async Task Benign_images_pass_and_an_alternating_two_key_attack_stream_is_refused_within_a_few_queries()
    {
        using var channel = new GrpcChannel(_guard.GrpcUri, new GrpcChannelOptions());
        var images = EmbeddedModelHostTests.EvalImages(400);
        for (var i = 0; i < 300; i++)
        {
            Assert.Equal(StatusCode.OK, await FashionQueries.InferAsync(channel, images[(i * 784)..((i + 1) * 784)]));
        }

        // A decision- or score-based attack: a start image, then small random steps, each query one step on.
        var random = new Random(7);
        var current = images[(350 * 784)..(351 * 784)];
        var refusedAt = -1;
        for (var query = 1; query <= 20 && refusedAt < 0; query++)
        {
            if (await FashionQueries.InferAsync(channel, current, query % 2 == 0 ? KeyA : KeyB) == StatusCode.PermissionDenied)
            {
                refusedAt = query;
            }

            current = FashionQueries.Step(current, random);
        }

        Assert.InRange(refusedAt, 2, 5);
        Assert.Contains("guard_blocked_total{model=\"fashion_cnn\",stage=\"fingerprint\",code=\"PERMISSION_DENIED\"}", await _guard.MetricsAsync(), StringComparison.Ordinal);
    }
}
