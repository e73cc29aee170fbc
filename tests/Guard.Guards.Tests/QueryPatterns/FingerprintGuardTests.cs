using Guard.Guards.Pipeline;
using Guard.Guards.QueryPatterns;
using Guard.Guards.Tests.Support;
using Guard.Protocol;
using Guard.Protocol.Inference;
using Guard.State;
using Guard.State.Fingerprints;

namespace Guard.Guards.Tests.QueryPatterns;

/// <summary>The fingerprint stage over the in-memory index: what it detects, how it reports it, and what it lets pass.</summary>
public sealed class FingerprintGuardTests
{
    private static readonly FingerprintOptions Fingerprint = new() { Secret = "unit-test-secret-0123456789" };

    private static FingerprintGuard Guard(IFingerprintIndex? index = null, DetectionAction? action = null) => new(
        index ?? new EmbeddedFingerprintIndex(TimeProvider.System),
        new FingerprintGuardOptions { Fingerprint = Fingerprint, Action = action ?? DetectionAction.Reject });

    /// <summary>A textured 28×28 image: every window spans several quantization levels.</summary>
    private static float[] Image(int seed)
    {
        var random = new Random(seed);
        return Enumerable.Range(0, 784).Select(_ => (float)random.NextDouble()).ToArray();
    }

    private static float[] Nudge(float[] image, int seed)
    {
        var random = new Random(seed);
        var copy = (float[])image.Clone();
        for (var i = 0; i < 5; i++)
        {
            var p = random.Next(copy.Length);
            copy[p] = Math.Clamp(copy[p] + 0.004f, 0f, 1f);
        }

        return copy;
    }

    private static GuardContext Context(string requestId, params float[][] rows)
    {
        var request = Requests.Request(Requests.Input("input", "FP32", rows.Length, 1, 28, 28)).WithRaw(Requests.Floats(rows.SelectMany(r => r).ToArray()));
        return new GuardContext("fashion", InferRequestView.Parse(Google.Protobuf.MessageExtensions.ToByteArray(request)), null, "key:a", requestId);
    }

    [Fact]
    public async Task A_near_duplicate_of_an_earlier_query_is_detected_with_score_threshold_match_and_action()
    {
        var guard = Guard(action: new DetectionAction { Kind = DetectionActionKind.Ban, BanFor = TimeSpan.FromMinutes(5) });
        var image = Image(1);
        Assert.Same(GuardVerdict.Allow, await guard.InspectAsync(Context("00000000000000a1", image), CancellationToken.None));

        var verdict = await guard.InspectAsync(Context("00000000000000a2", Nudge(image, 2)), CancellationToken.None);

        Assert.Equal(VerdictKind.Detect, verdict.Kind);
        var detection = verdict.Detection!;
        Assert.Equal(("fingerprint", 25d), (detection.Guard, detection.Threshold));
        Assert.InRange(detection.Score, 25, 50);
        Assert.Equal(["00000000000000a1"], detection.MatchedQueryIds);
        Assert.Equal("00000000000000a2", detection.QueryId);
        Assert.Equal((DetectionActionKind.Ban, TimeSpan.FromMinutes(5)), (detection.Action.Kind, detection.Action.BanFor));
    }

    [Fact]
    public async Task Unrelated_images_pass()
    {
        var guard = Guard();
        for (var i = 0; i < 50; i++)
        {
            Assert.Same(GuardVerdict.Allow, await guard.InspectAsync(Context($"{i:x16}", Image(100 + i)), CancellationToken.None));
        }
    }

    [Fact]
    public async Task Each_row_of_a_batch_is_its_own_query_so_a_probe_among_fillers_is_caught()
    {
        var guard = Guard();
        var probe = Image(7);
        Assert.Same(GuardVerdict.Allow, await guard.InspectAsync(Context("0000000000000001", probe), CancellationToken.None));

        var verdict = await guard.InspectAsync(Context("0000000000000002", Image(8), Image(9), Nudge(probe, 3), Image(10)), CancellationToken.None);

        Assert.Equal(VerdictKind.Detect, verdict.Kind);
        Assert.Equal("0000000000000002#2", verdict.Detection!.QueryId);
        Assert.Equal(["0000000000000001"], verdict.Detection.MatchedQueryIds);

        // Rows were recorded under their own ids: a later near-duplicate of a filler row names it.
        var later = await guard.InspectAsync(Context("0000000000000003", Nudge(Image(9), 4)), CancellationToken.None);
        Assert.Equal(["0000000000000002#1"], later.Detection!.MatchedQueryIds);
    }

    [Fact]
    public async Task Typed_fp32_contents_are_fingerprinted_like_raw_ones()
    {
        var guard = Guard();
        var image = Image(5);
        Assert.Same(GuardVerdict.Allow, await guard.InspectAsync(Context("0000000000000011", image), CancellationToken.None));

        var typed = Requests.Request(Requests.Input("input", "FP32", 1, 1, 28, 28));
        typed.Inputs[0].Contents = new InferTensorContents();
        typed.Inputs[0].Contents.Fp32Contents.AddRange(Nudge(image, 6));
        var context = new GuardContext("fashion", InferRequestView.Parse(Google.Protobuf.MessageExtensions.ToByteArray(typed)), null, "key:b", "0000000000000012");
        Assert.Equal(VerdictKind.Detect, (await guard.InspectAsync(context, CancellationToken.None)).Kind);
    }

    [Fact]
    public async Task Inputs_it_cannot_fingerprint_pass_with_the_reason_kept_for_logs()
    {
        var guard = Guard();
        var int64 = Requests.Request(Requests.Input("ids", "INT64", 1, 100)).WithRaw(new byte[800]);
        var context = new GuardContext("fashion", InferRequestView.Parse(Google.Protobuf.MessageExtensions.ToByteArray(int64)), null, "key:a");
        Assert.Same(GuardVerdict.Allow, await guard.InspectAsync(context, CancellationToken.None));
        Assert.Contains("INT64", (string)context.Items[FingerprintGuard.MatchItem], StringComparison.Ordinal);

        var tiny = Requests.Request(Requests.Input("x", "FP32", 1, 3)).WithRaw(Requests.Floats(0.1f, 0.2f, 0.3f));
        var tinyContext = new GuardContext("fashion", InferRequestView.Parse(Google.Protobuf.MessageExtensions.ToByteArray(tiny)), null, "key:a");
        Assert.Same(GuardVerdict.Allow, await guard.InspectAsync(tinyContext, CancellationToken.None));
        Assert.IsType<string>(tinyContext.Items[FingerprintGuard.MatchItem]);

        var nan = Image(3);
        nan[10] = float.NaN;
        Assert.Same(GuardVerdict.Allow, await guard.InspectAsync(Context("0000000000000021", nan), CancellationToken.None));
    }

    [Fact]
    public async Task An_unavailable_index_lets_the_query_pass()
    {
        var guard = Guard(new UnavailableIndex());
        Assert.Same(GuardVerdict.Allow, await guard.InspectAsync(Context("0000000000000031", Image(1)), CancellationToken.None));
    }

    private sealed class UnavailableIndex : IFingerprintIndex
    {
        public ValueTask<FingerprintLookup> MatchAndAddAsync(string scope, string queryId, ReadOnlyMemory<ulong> hashes, int idsPerHash, TimeSpan lifetime, CancellationToken cancellationToken = default) =>
            ValueTask.FromException<FingerprintLookup>(new StateUnavailableException("redis is down"));
    }
}
