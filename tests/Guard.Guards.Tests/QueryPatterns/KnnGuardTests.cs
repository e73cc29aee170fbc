using Google.Protobuf;
using Guard.Guards.Pipeline;
using Guard.Guards.QueryPatterns;
using Guard.Guards.Tests.Support;
using Guard.Protocol;
using Guard.Protocol.Inference;
using Guard.State;
using Guard.State.History;

namespace Guard.Guards.Tests.QueryPatterns;

/// <summary>
/// The k-NN stage on 64-value 1-D inputs: with a grid of 8 the embedding is the input itself, so distances are easy to
/// compute by hand (values are multiples of 1/255, which quantize exactly).
/// </summary>
public sealed class KnnGuardTests
{
    private const float Level = 1f / 255f;

    private readonly EmbeddedQueryHistory _history = new(TimeProvider.System);

    private static StatefulKnnOptions Options(double threshold = 0.1, int k = 3, int minNeighbours = 3, DetectionAction? action = null) => new()
    {
        K = k,
        MinNeighbours = minNeighbours,
        Threshold = threshold,
        HistoryCapacity = 50,
        Action = action ?? DetectionAction.Reject,
    };

    /// <summary>64 zeros with <paramref name="value"/> levels at <paramref name="position"/>.</summary>
    private static float[] Vector(int value = 0, int position = 0)
    {
        var values = new float[64];
        values[position] = value * Level;
        return values;
    }

    private static GuardContext Context(float[] values, string client = "alice", string model = "m") =>
        Context(Requests.Request(Requests.Input("x", "FP32", 1, values.Length)).WithRaw(Requests.Floats(values)), client, model);

    private static GuardContext Context(ModelInferRequest request, string client = "alice", string model = "m") =>
        new(model, InferRequestView.Parse(request.ToByteArray()), null, client);

    private static KnnQueryRecord Record(GuardContext context) => Assert.IsType<KnnQueryRecord>(context.Items[StatefulKnnGuard.ScoreItem]);

    [Fact]
    public async Task A_query_closer_than_the_threshold_is_detected_with_the_configured_action()
    {
        var action = new DetectionAction { Kind = DetectionActionKind.Ban, BanFor = TimeSpan.FromMinutes(5) };
        var guard = new StatefulKnnGuard(_history, Options(threshold: 0.1, action: action));
        var ids = new List<string>();
        foreach (var value in new[] { 30, 10, 20 })
        {
            var earlier = Context(Vector(value));
            Assert.Same(GuardVerdict.Allow, await guard.InspectAsync(earlier, default));
            ids.Add(Record(earlier).QueryId);
        }

        var context = Context(Vector(0));
        var verdict = await guard.InspectAsync(context, default);

        Assert.Equal(VerdictKind.Detect, verdict.Kind);
        var detection = verdict.Detection!;
        Assert.Equal("knn", detection.Guard);
        Assert.Equal(20 / 255.0, detection.Score, 12); // mean of 10, 20 and 30 levels
        Assert.Equal(0.1, detection.Threshold);
        Assert.Same(action, detection.Action);
        Assert.Equal([ids[1], ids[2], ids[0]], detection.MatchedQueryIds); // nearest first
        Assert.Equal(Record(context).QueryId, detection.QueryId);
        Assert.Equal(3, Record(context).Score.Neighbours);
    }

    private static GuardContext Batch(string requestId, params float[][] rows) => new(
        "m",
        InferRequestView.Parse(Requests.Request(Requests.Input("x", "FP32", rows.Length, 64)).WithRaw(Requests.Floats(rows.SelectMany(r => r).ToArray())).ToByteArray()),
        null,
        "alice",
        requestId);

    [Fact]
    public async Task Each_row_of_a_batch_is_a_query_so_near_duplicate_rows_in_one_request_are_caught()
    {
        var guard = new StatefulKnnGuard(_history, Options(threshold: 0.1));

        // Four far-apart rows: four queries, none near another.
        Assert.Same(GuardVerdict.Allow, await guard.InspectAsync(Batch("0000000000000100", Vector(200, 0), Vector(200, 10), Vector(200, 20), Vector(200, 30)), default));

        // Four copies of one probe in one request: the fourth has three earlier rows at distance 0.
        var verdict = await guard.InspectAsync(Batch("0000000000000200", Vector(100, 5), Vector(100, 5), Vector(100, 5), Vector(100, 5)), default);
        Assert.Equal(VerdictKind.Detect, verdict.Kind);
        Assert.Equal(0, verdict.Detection!.Score);
        Assert.Equal("0000000000000203", verdict.Detection.QueryId);
        Assert.Equal(["0000000000000202", "0000000000000201", "0000000000000200"], verdict.Detection.MatchedQueryIds);
    }

    [Fact]
    public async Task A_query_at_or_beyond_the_threshold_is_allowed_with_its_score_recorded()
    {
        var guard = new StatefulKnnGuard(_history, Options(threshold: 20 / 255.0));
        foreach (var value in new[] { 30, 10, 20 })
        {
            await guard.InspectAsync(Context(Vector(value)), default);
        }

        var context = Context(Vector(0));
        Assert.Same(GuardVerdict.Allow, await guard.InspectAsync(context, default));
        Assert.Equal(20 / 255.0, Record(context).Score.MeanDistance, 12);
    }

    [Fact]
    public async Task Only_the_k_nearest_count()
    {
        var guard = new StatefulKnnGuard(_history, Options(threshold: 1, k: 2, minNeighbours: 2));
        foreach (var value in new[] { 200, 4, 250, 6 })
        {
            await guard.InspectAsync(Context(Vector(value)), default);
        }

        var context = Context(Vector(0));
        var verdict = await guard.InspectAsync(context, default);
        Assert.Equal(5 / 255.0, verdict.Detection!.Score, 12);
        Assert.Equal(2, verdict.Detection.MatchedQueryIds.Count);
    }

    [Fact]
    public async Task A_clients_first_queries_are_not_judged_then_fewer_than_k_neighbours_are_used()
    {
        var guard = new StatefulKnnGuard(_history, Options(threshold: 0.1, k: 10, minNeighbours: 3));
        for (var i = 0; i < 3; i++)
        {
            // Identical queries: distance 0, but too few earlier ones to judge.
            var context = Context(Vector(7));
            Assert.Same(GuardVerdict.Allow, await guard.InspectAsync(context, default));
            Assert.False(Record(context).Score.IsJudged);
            Assert.Equal(i, Record(context).Score.Comparable);
        }

        var fourth = await guard.InspectAsync(Context(Vector(7)), default);
        Assert.Equal(VerdictKind.Detect, fourth.Kind);
        Assert.Equal(0, fourth.Detection!.Score);
        Assert.Equal(3, fourth.Detection.MatchedQueryIds.Count);
    }

    [Fact]
    public async Task Other_clients_and_other_models_do_not_count()
    {
        var guard = new StatefulKnnGuard(_history, Options(threshold: 0.1));
        for (var i = 0; i < 5; i++)
        {
            Assert.Equal(i < 3 ? VerdictKind.Allow : VerdictKind.Detect, (await guard.InspectAsync(Context(Vector(1), client: "bob"), default)).Kind);
            await guard.InspectAsync(Context(Vector(1), client: "alice", model: "other"), default);
        }

        var context = Context(Vector(1), client: "alice");
        Assert.Same(GuardVerdict.Allow, await guard.InspectAsync(context, default));
        Assert.Equal(0, Record(context).Score.Comparable);
    }

    [Fact]
    public async Task Fp16_uint8_and_typed_fp32_inputs_embed_like_raw_fp32()
    {
        var guard = new StatefulKnnGuard(_history, Options(threshold: 1e-6));
        var values = Vector(51, 3);
        await guard.InspectAsync(Context(values), default);
        await guard.InspectAsync(Context(Requests.Request(Requests.Input("x", "FP16", 1, 64)).WithRaw(Requests.Halves([.. values.Select(v => (Half)v)]))), default);
        await guard.InspectAsync(Context(Requests.Request(Requests.Input("x", "UINT8", 1, 64)).WithRaw([.. values.Select(v => (byte)Math.Round(v * 255))])), default);

        var typed = Requests.Request(Requests.Input("x", "FP32", 1, 64));
        typed.Inputs[0].Contents = new InferTensorContents();
        typed.Inputs[0].Contents.Fp32Contents.AddRange(values);
        var verdict = await guard.InspectAsync(Context(typed), default);

        // All four quantize to the same levels: distance 0 to the three earlier ones.
        Assert.Equal(VerdictKind.Detect, verdict.Kind);
        Assert.Equal(0, verdict.Detection!.Score);
    }

    public static TheoryData<string, string, byte[]> MalformedInputs() => new()
    {
        { "wrong dtype", "INT32", new byte[256] },
        { "BYTES", "BYTES", Requests.BytesElements("a", "b") },
        { "empty", "FP32", [] },
        { "partial element", "FP32", new byte[255] },
        { "NaN", "FP32", Requests.Floats([.. Vector(), float.NaN]) },
        { "infinity", "FP32", Requests.Floats([float.PositiveInfinity, .. Vector()]) },
        { "FP16 infinity", "FP16", Requests.Halves(Half.NegativeInfinity, Half.One) },
    };

    [Theory]
    [MemberData(nameof(MalformedInputs))]
    public async Task Malformed_inputs_are_allowed_and_not_recorded(string why, string datatype, byte[] raw)
    {
        var history = new RecordingHistory();
        var guard = new StatefulKnnGuard(history, Options());
        var context = Context(Requests.Request(Requests.Input("x", datatype, 1, 64)).WithRaw(raw));
        Assert.Same(GuardVerdict.Allow, await guard.InspectAsync(context, default));
        Assert.Equal(0, history.Calls);
        Assert.IsType<string>(context.Items[StatefulKnnGuard.ScoreItem]);
        Assert.NotEmpty(why);
    }

    [Fact]
    public async Task No_inputs_or_no_typed_contents_are_allowed()
    {
        var history = new RecordingHistory();
        var guard = new StatefulKnnGuard(history, Options());
        Assert.Same(GuardVerdict.Allow, await guard.InspectAsync(Context(Requests.Request()), default));
        Assert.Same(GuardVerdict.Allow, await guard.InspectAsync(Context(Requests.Request(Requests.Input("x", "FP32", 1, 64))), default));
        Assert.Equal(0, history.Calls);
    }

    [Fact]
    public async Task An_unavailable_store_allows_the_query()
    {
        var history = new RecordingHistory { Unavailable = true };
        var guard = new StatefulKnnGuard(history, Options());
        Assert.Same(GuardVerdict.Allow, await guard.InspectAsync(Context(Vector(1)), default));
        Assert.Equal(1, history.Calls);
    }

    [Fact]
    public async Task The_store_gets_the_model_client_and_the_configured_bounds()
    {
        var history = new RecordingHistory();
        var options = Options() with { HistoryCapacity = 77, HistoryLifetime = TimeSpan.FromMinutes(3) };
        await new StatefulKnnGuard(history, options).InspectAsync(Context(Vector(1), client: "carol", model: "fashion"), default);
        Assert.Equal(("fashion", "carol", 77, TimeSpan.FromMinutes(3)), history.Last);
        Assert.Equal(KnnEntry.HeaderSize + 64, history.LastEntryLength);
    }

    [Fact]
    public async Task Entries_of_another_size_in_the_history_are_skipped()
    {
        var guard = new StatefulKnnGuard(_history, Options(threshold: 0.1, minNeighbours: 1, k: 1));
        // 16 values pool to 64 buckets too (each repeated): same size. 10,000 values with a 2-D shape: 64 as well.
        // A 3-plane image is 192 values: another size, not comparable with the 64-value vectors.
        await guard.InspectAsync(Context(Requests.Request(Requests.Input("x", "FP32", 1, 3, 8, 8)).WithRaw(Requests.Floats(new float[192]))), default);
        var context = Context(Vector(0));
        Assert.Same(GuardVerdict.Allow, await guard.InspectAsync(context, default));
        Assert.Equal(0, Record(context).Score.Comparable);
    }

    [Fact]
    public void Invalid_options_are_refused_at_construction() =>
        Assert.Equal("K", Assert.Throws<ArgumentException>(() => new StatefulKnnGuard(_history, Options(k: 0))).ParamName);

    private sealed class RecordingHistory : IQueryHistory
    {
        public int Calls { get; private set; }

        public bool Unavailable { get; init; }

        public (string Scope, string Client, int Capacity, TimeSpan Lifetime) Last { get; private set; }

        public int LastEntryLength { get; private set; }

        public ValueTask<IReadOnlyList<ReadOnlyMemory<byte>>> AppendAndReadAsync(
            string scope, string client, ReadOnlyMemory<byte> entry, int capacity, TimeSpan lifetime, CancellationToken cancellationToken = default)
        {
            Calls++;
            Last = (scope, client, capacity, lifetime);
            LastEntryLength = entry.Length;
            return Unavailable
                ? throw new StateUnavailableException("down")
                : ValueTask.FromResult<IReadOnlyList<ReadOnlyMemory<byte>>>([]);
        }
    }
}
