using System.Diagnostics;
using System.Runtime.InteropServices;
using Guard.AuditLog;
using Guard.Gateway.Detections;
using Guard.Gateway.State;
using Guard.Integration.Tests.Infrastructure;
using Guard.Protocol.Inference;
using Guard.Rpc;
using Guard.Rpc.Client;
using Guard.TestSupport;

namespace Guard.Integration.Tests.Embedded;

/// <summary>
/// Every detection action through Guard in front of the demo model, driven by a real near-duplicate attack stream that
/// the fingerprint stage catches: what the attacker sees, what the model answers, and what the blocked-query log keeps.
/// </summary>
public sealed class DetectionActionsTests : IDisposable
{
    private const string KeyA = "actions-key-alpha";
    private const string KeyB = "actions-key-bravo";
    private const int AttackQueries = 12;

    private readonly TempModelRepository _repository = new();

    public DetectionActionsTests() => _repository.AddDemo("fashion_cnn");

    public void Dispose() => _repository.Dispose();

    private Task<GuardServer> StartAsync(string policy) => GuardServer.StartAsync(_repository.ModelHostYaml() + $$"""
        identity:
          apiKeys:
            - { id: a, sha256: {{Identity.ApiKeyIdentityTests.Sha256(KeyA)}} }
            - { id: b, sha256: {{Identity.ApiKeyIdentityTests.Sha256(KeyB)}} }
        models:
          fashion_cnn: { upstream: embedded, policy: guarded }
        policies:
          guarded:
        {{policy}}
        """,
        new Dictionary<string, string?> { ["queryPatterns:secret"] = "integration-test-secret-0123456789" });

    private static string Policy(string action, string extra = "") => $$"""
            limits: { enabled: true }
            validation: { enabled: true, rejectNonFinite: true, minValue: 0, maxValue: 1 }
            fingerprint: { enabled: true, action: {{action}} }
            actions: { delay: 00:00:01, banFor: 00:10:00 }
        {{extra}}
        """;

    /// <summary>One query's outcome as the attacker sees it.</summary>
    private sealed record Outcome(float[] Image, StatusCode Code, float[]? Logits, TimeSpan Elapsed);

    private static async Task<Outcome> InferAsync(GrpcChannel channel, float[] image, string key, bool expectNeutralMessage = true)
    {
        var headers = new Metadata { { "x-api-key", key } };
        var started = Stopwatch.GetTimestamp();
        try
        {
            var result = await channel.UnaryAsync(ClientMethods.Infer, EmbeddedModelHostTests.FashionRequest("fashion_cnn", image, 1), new CallOptions(headers, DateTime.UtcNow.AddSeconds(30)));
            Assert.Equal("logits", result.Response.Outputs[0].Name);
            Assert.Equal([1L, 10L], result.Response.Outputs[0].Shape);
            return new Outcome(image, StatusCode.OK, MemoryMarshal.Cast<byte, float>(result.Response.RawOutputContents[0].Span).ToArray(), Stopwatch.GetElapsedTime(started));
        }
        catch (RpcException ex)
        {
            // One neutral message for every detection refusal: nothing tells the attacker which stage caught it.
            if (expectNeutralMessage)
            {
                Assert.Equal(DetectionResponder.RefusedMessage, ex.Status.Message);
            }

            return new Outcome(image, ex.StatusCode, null, Stopwatch.GetElapsedTime(started));
        }
    }

    /// <summary>A score-based attack's stream: eval image 350, then small random steps, alternating two keys.</summary>
    private static async Task<List<Outcome>> AttackAsync(GrpcChannel channel, int queries = AttackQueries, bool stopWhenRefused = false)
    {
        var random = new Random(7);
        var current = DemoSet.Image(350);
        var outcomes = new List<Outcome>();
        for (var query = 1; query <= queries; query++)
        {
            outcomes.Add(await InferAsync(channel, current, query % 2 == 0 ? KeyA : KeyB));
            if (stopWhenRefused && outcomes[^1].Code != StatusCode.OK)
            {
                break;
            }

            current = FashionQueries.Step(current, random);
        }

        return outcomes;
    }

    private static async Task<IReadOnlyList<BlockedQuery>> LogAsync(GuardServer guard) =>
        (await guard.Get<BlockedQueryLogHost>().Log.QueryAsync(new BlockedQueryFilter { Model = "fashion_cnn", PageSize = 1000 })).Items;

    /// <summary>What the model itself answers for <paramref name="image"/> (Guard without a policy in the way is not needed:
    /// the embedded host is deterministic, so the first answer of the stream is the model's).</summary>
    private static void AssertCloseTo(float[] expected, float[] actual) =>
        Assert.All(expected.Zip(actual), p => Assert.InRange(p.Second, p.First - 1e-4f, p.First + 1e-4f));

    [Fact]
    public async Task Reject_refuses_from_the_detection_on_and_logs_each_refusal_with_score_matches_and_input()
    {
        await using var guard = await StartAsync(Policy("reject"));
        using var channel = new GrpcChannel(guard.GrpcUri, new GrpcChannelOptions());
        var outcomes = await AttackAsync(channel);

        var first = outcomes.FindIndex(o => o.Code != StatusCode.OK);
        Assert.InRange(first, 1, 5);
        Assert.All(outcomes.Skip(first), o => Assert.Equal(StatusCode.PermissionDenied, o.Code));

        var rows = await LogAsync(guard);
        Assert.Equal(outcomes.Count - first, rows.Count);
        Assert.All(rows, row =>
        {
            Assert.Equal("fingerprint", row.Guard);
            Assert.Equal(BlockAction.Reject, row.Action);
            Assert.Equal(25, row.Threshold);
            Assert.InRange(row.Score, 25, 50);
            Assert.Single(row.MatchedQueryIds);
            Assert.True(row.ClientId is "key:a" or "key:b", row.ClientId);
        });

        // The newest row holds the last refused query, exactly.
        var last = rows.OrderByDescending(r => r.Id).First();
        var bytes = MemoryMarshal.AsBytes(outcomes[^1].Image.AsSpan()).ToArray();
        Assert.Equal(InputHash.Compute(bytes), last.InputHash);
        Assert.NotNull(last.Snapshot);
        Assert.Equal("FP32", last.Snapshot!.Datatype);
        Assert.Equal([1L, 1L, 28L, 28L], last.Snapshot.Shape);
        Assert.Equal(bytes, TensorSnapshotCodec.Decompress(last.Snapshot));

        // A matched id names an earlier query the log can find when that one was logged too.
        var ids = rows.Select(r => r.RequestId).ToHashSet();
        Assert.Contains(rows, r => ids.Contains(r.MatchedQueryIds[0]));
        Assert.Contains("guard_detections_total{model=\"fashion_cnn\",stage=\"fingerprint\",action=\"reject\"}", await guard.MetricsAsync(), StringComparison.Ordinal);
    }

    [Fact]
    public async Task Silent_reject_answers_every_query_with_a_model_shaped_decoy_that_repeats_for_the_same_input()
    {
        await using var guard = await StartAsync(Policy("silentReject"));
        using var channel = new GrpcChannel(guard.GrpcUri, new GrpcChannelOptions());
        var outcomes = await AttackAsync(channel);

        // The attacker sees no refusal at all.
        Assert.All(outcomes, o => Assert.Equal(StatusCode.OK, o.Code));
        var rows = await LogAsync(guard);
        Assert.InRange(rows.Count, AttackQueries - 5, AttackQueries - 1);
        Assert.All(rows, r => Assert.Equal(BlockAction.SilentReject, r.Action));

        // Before the detection the answers are the model's (close to one another, the images being near-duplicates);
        // the decoys are not the model's answer to the query: the model answers the repeated query below the same as
        // the first, unguarded one, and the decoy differs from it.
        var model = outcomes[0].Logits!;
        var decoy = outcomes[^1].Logits!;
        Assert.True(model.Zip(decoy).Max(p => Math.Abs(p.First - p.Second)) > 0.5f, "the decoy must not be the model's answer");

        // Asking again with the same input gets the same decoy: re-querying cannot expose it.
        var again = await InferAsync(channel, outcomes[^1].Image, KeyA);
        Assert.Equal(decoy, again.Logits);
    }

    [Fact]
    public async Task Delay_answers_detected_queries_with_the_models_answer_after_the_configured_delay()
    {
        await using var guard = await StartAsync(Policy("delay"));
        using var channel = new GrpcChannel(guard.GrpcUri, new GrpcChannelOptions());
        var outcomes = await AttackAsync(channel, 8);

        Assert.All(outcomes, o => Assert.Equal(StatusCode.OK, o.Code));
        var rows = await LogAsync(guard);
        Assert.NotEmpty(rows);
        Assert.All(rows, r => Assert.Equal(BlockAction.Delay, r.Action));
        var delayed = outcomes.Count(o => o.Elapsed >= TimeSpan.FromSeconds(1));
        Assert.Equal(rows.Count, delayed);

        // Delayed answers are the model's own: the first answer (before any detection) matches the reference logits.
        AssertCloseTo(DemoSet.ReferenceLogits("fashion_cnn").AsSpan(350 * 10, 10).ToArray(), outcomes[0].Logits!);
    }

    [Fact]
    public async Task Ban_refuses_the_detected_client_on_every_later_query_while_other_clients_are_served()
    {
        await using var guard = await StartAsync(Policy("ban"));
        using var channel = new GrpcChannel(guard.GrpcUri, new GrpcChannelOptions());

        // Both keys take part in the attack; the one whose query is detected is banned, and the attack stops there.
        var outcomes = await AttackAsync(channel, 8, stopWhenRefused: true);
        var first = outcomes.Count - 1;
        Assert.Equal(StatusCode.PermissionDenied, outcomes[first].Code);
        Assert.InRange(first, 1, 5);
        var bannedKey = (first + 1) % 2 == 0 ? KeyA : KeyB;
        var bannedId = bannedKey == KeyA ? "key:a" : "key:b";

        var ban = await guard.Get<StateStoreHost>().Store.GetBanAsync(bannedId);
        Assert.NotNull(ban);
        Assert.Contains("fingerprint", ban!.Reason, StringComparison.Ordinal);

        // A fresh, unrelated benign image from the banned key is refused; from the other key it is answered.
        Assert.Equal(StatusCode.PermissionDenied, (await InferAsync(channel, DemoSet.Image(10), bannedKey, expectNeutralMessage: false)).Code);
        var otherKey = bannedKey == KeyA ? KeyB : KeyA;
        Assert.Equal(StatusCode.OK, (await InferAsync(channel, DemoSet.Image(11), otherKey)).Code);

        // One row: the detection that banned; the banned client's later refusals are the limits stage's, not detections.
        var row = Assert.Single(await LogAsync(guard));
        Assert.Equal(BlockAction.Ban, row.Action);
        Assert.Equal(bannedId, row.ClientId);
    }

    [Fact]
    public async Task Flag_answers_normally_and_only_records()
    {
        await using var guard = await StartAsync(Policy("flag"));
        using var channel = new GrpcChannel(guard.GrpcUri, new GrpcChannelOptions());
        var outcomes = await AttackAsync(channel);

        Assert.All(outcomes, o => Assert.Equal(StatusCode.OK, o.Code));
        var rows = await LogAsync(guard);
        Assert.InRange(rows.Count, AttackQueries - 5, AttackQueries - 1);
        Assert.All(rows, r => Assert.Equal(BlockAction.Flag, r.Action));
        AssertCloseTo(DemoSet.ReferenceLogits("fashion_cnn").AsSpan(350 * 10, 10).ToArray(), outcomes[0].Logits!);
    }

    [Fact]
    public async Task Policy_default_action_applies_to_stages_without_their_own()
    {
        await using var guard = await StartAsync("""
                limits: { enabled: true }
                fingerprint: { enabled: true }
                actions: { default: flag }
            """);
        using var channel = new GrpcChannel(guard.GrpcUri, new GrpcChannelOptions());
        var outcomes = await AttackAsync(channel, 6);
        Assert.All(outcomes, o => Assert.Equal(StatusCode.OK, o.Code));
        Assert.All(await LogAsync(guard), r => Assert.Equal(BlockAction.Flag, r.Action));
    }

    [Theory]
    [InlineData("top1")]
    [InlineData("round")]
    public async Task Output_hardening_coarsens_every_answer_unary_and_streamed(string mode)
    {
        await using var guard = await StartAsync($$"""
                validation: { enabled: true }
                outputHardening: { mode: {{mode}}, decimals: 1 }
            """);
        using var channel = new GrpcChannel(guard.GrpcUri, new GrpcChannelOptions());
        var references = DemoSet.ReferenceLogits("fashion_cnn");
        for (var i = 0; i < 20; i++)
        {
            var answer = (await InferAsync(channel, DemoSet.Image(i), KeyA)).Logits!;
            var reference = references.AsSpan(i * 10, 10).ToArray();
            AssertHardened(mode, reference, answer);
        }

        using var call = channel.StartCall(ClientMethods.StreamInfer, new CallOptions(new Metadata { { "x-api-key", KeyA } }, DateTime.UtcNow.AddSeconds(30)));
        await call.RequestStream.WriteAsync(EmbeddedModelHostTests.FashionRequest("fashion_cnn", DemoSet.Image(3), 1), CancellationToken.None);
        await call.RequestStream.CompleteAsync();
        Assert.True(await call.ResponseStream.MoveNext(CancellationToken.None));
        var streamed = MemoryMarshal.Cast<byte, float>(call.ResponseStream.Current.InferResponse.RawOutputContents[0].Span).ToArray();
        AssertHardened(mode, references.AsSpan(30, 10).ToArray(), streamed);
    }

    private static void AssertHardened(string mode, float[] reference, float[] answer)
    {
        if (mode == "top1")
        {
            var expected = new float[10];
            expected[DemoSet.ArgMax(reference)] = 1f;
            Assert.Equal(expected, answer);
        }
        else
        {
            for (var j = 0; j < 10; j++)
            {
                Assert.Equal(Math.Round(answer[j], 1), answer[j], 5);
                Assert.InRange(answer[j], reference[j] - 0.051f, reference[j] + 0.051f);
            }
        }
    }
}
