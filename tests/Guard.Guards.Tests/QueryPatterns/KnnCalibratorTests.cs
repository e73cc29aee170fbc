using System.Runtime.InteropServices;
using Guard.Guards.Pipeline;
using Guard.Guards.QueryPatterns;
using Guard.Guards.Tests.Support;
using Guard.Protocol;
using Guard.State.History;

namespace Guard.Guards.Tests.QueryPatterns;

public sealed class KnnCalibratorTests
{
    private static readonly StatefulKnnOptions Options = new() { K = 5, MinNeighbours = 3, HistoryCapacity = 100 };

    private static float[] Uniform(Random random, int dims) => [.. Enumerable.Range(0, dims).Select(_ => random.NextSingle())];

    [Fact]
    public void The_threshold_is_the_quantile_for_the_target_rate()
    {
        // 10,000 scores 0.0001 … 1: 1 % may be flagged, so the threshold is the 101st and exactly 100 fall below it.
        var scores = Enumerable.Range(1, 10_000).Select(i => new KnnScore(5, 5, i / 10_000.0)).Reverse().ToArray();
        var fit = KnnCalibrator.Fit(scores, 0.01);
        Assert.Equal(0.0101, fit.Threshold, 12);
        Assert.Equal(100, fit.FalsePositives);
        Assert.Equal(0.01, fit.FalsePositiveRate, 12);
        Assert.Equal(10_000, fit.Judged);

        var none = KnnCalibrator.Fit(scores, 0);
        Assert.Equal(0.0001, none.Threshold, 12);
        Assert.Equal(0, none.FalsePositives);
    }

    [Fact]
    public void Unjudged_queries_count_as_queries_but_never_as_false_positives()
    {
        KnnScore[] scores = [new(0, 0, double.PositiveInfinity), new(1, 0, double.PositiveInfinity), new(3, 3, 0.5), new(4, 4, 0.7)];
        var fit = KnnCalibrator.Fit(scores, 0.25);
        Assert.Equal(4, fit.Queries);
        Assert.Equal(2, fit.Judged);
        Assert.Equal(0.7, fit.Threshold);
        Assert.Equal(1, fit.FalsePositives);
        Assert.Throws<ArgumentException>(() => KnnCalibrator.Fit(scores[..2], 0.01));
        Assert.Throws<ArgumentOutOfRangeException>(() => KnnCalibrator.Fit(scores, 1));
        Assert.Throws<ArgumentOutOfRangeException>(() => KnnCalibrator.Fit(scores, -0.1));
    }

    [Fact]
    public void A_synthetic_benign_distribution_calibrates_a_threshold_that_separates_near_duplicates()
    {
        var random = new Random(5);
        var calibrator = new KnnCalibrator(Options);
        var benign = Enumerable.Range(0, 3000).Select(i => new KnnSample($"c{i % 3}", Uniform(random, 16))).ToArray();
        var fit = calibrator.Calibrate(benign, 0.01);
        Assert.InRange(fit.FalsePositiveRate, 0.009, 0.01);
        Assert.Equal(3000, fit.Queries);
        Assert.Equal(3000 - (3 * 3), fit.Judged); // three clients, three unjudged first queries each

        // Fresh benign traffic from the same distribution is flagged at about the target rate (20 of 2,000 expected; the
        // tail quantile of 3,000 samples is noisy, hence the margin); a near-duplicate stream is flagged throughout.
        var scorer = new KnnCalibrator(Options with { Threshold = fit.Threshold });
        var fresh = scorer.Score(Enumerable.Range(0, 2000).Select(_ => new KnnSample("f", Uniform(random, 16))));
        Assert.InRange(fresh.Count(s => s.MeanDistance < fit.Threshold), 0, 50);

        var origin = Uniform(random, 16);
        var attack = scorer.Score(Enumerable.Range(0, 10).Select(_ => new KnnSample("a", [.. origin.Select(v => v + (0.01f * random.NextSingle()))])));
        Assert.All(attack.Skip(3), s => Assert.InRange(s.MeanDistance, 0, fit.Threshold));
    }

    [Fact]
    public void Histories_are_per_client_and_bounded_like_the_store()
    {
        var calibrator = new KnnCalibrator(Options with { HistoryCapacity = 3, K = 3, MinNeighbours = 1 });
        float[] far = [1f], near = [0f];
        // Client a: three far queries then a near one pushed the first far out; client b's queries never count for a.
        var scores = calibrator.Score([new("a", near), new("b", near), new("a", far), new("a", far), new("a", far), new("a", near)]);
        Assert.False(scores[0].IsJudged);
        Assert.False(scores[1].IsJudged);
        Assert.Equal(1.0, scores[2].MeanDistance, 9);
        Assert.Equal(3, scores[5].Comparable);
        Assert.Equal(1.0, scores[5].MeanDistance, 9);
    }

    [Fact]
    public async Task Scores_agree_with_the_guards_on_the_same_stream()
    {
        var random = new Random(9);
        var options = Options with { Threshold = 1e-9, Action = DetectionAction.Flag };
        var guard = new StatefulKnnGuard(new EmbeddedQueryHistory(TimeProvider.System), options);
        var embedder = new DownsampleEmbedder(options.EmbeddingGrid);
        var samples = new List<KnnSample>();
        var guardScores = new List<KnnScore>();
        for (var i = 0; i < 150; i++)
        {
            var image = Uniform(random, 784);
            var embedding = new float[64];
            embedder.Embed(image, [1, 1, 28, 28], embedding);
            samples.Add(new KnnSample("client", embedding));

            var request = Requests.Request(Requests.Input("x", "FP32", 1, 1, 28, 28)).WithRaw(MemoryMarshal.AsBytes(image.AsSpan()).ToArray());
            var context = new GuardContext("m", InferRequestView.Parse(Google.Protobuf.MessageExtensions.ToByteArray(request)), null, "client");
            await guard.InspectAsync(context, default);
            guardScores.Add(((KnnQueryRecord)context.Items[StatefulKnnGuard.ScoreItem]).Score);
        }

        Assert.Equal(guardScores, new KnnCalibrator(options).Score(samples));
    }
}
