namespace Guard.Guards.QueryPatterns;

/// <summary>One benign query for calibration: who sent it and its embedding (as <see cref="IQueryEmbedder"/> made it).</summary>
public readonly record struct KnnSample(string Client, float[] Embedding);

/// <summary>The threshold for a target false-positive rate and what it achieves on the stream it was fitted to.</summary>
/// <param name="Threshold">Mean k-NN distance below which the guard detects.</param>
/// <param name="Queries">Every query replayed (the FPR's denominator, judged or not).</param>
/// <param name="Judged">Queries with enough earlier ones to be scored.</param>
/// <param name="FalsePositives">Benign queries scored below the threshold.</param>
public sealed record KnnCalibration(double Threshold, double TargetFalsePositiveRate, int Queries, int Judged, int FalsePositives)
{
    public double FalsePositiveRate => Queries == 0 ? 0 : (double)FalsePositives / Queries;
}

/// <summary>
/// Fits <see cref="StatefulKnnOptions.Threshold"/> to benign traffic, as the paper does: replay a benign query stream
/// through per-client histories exactly as the guard would (same quantization, capacity, K and minimum), collect each
/// query's score, and take the quantile that flags the target fraction of benign queries.
/// </summary>
public sealed class KnnCalibrator(StatefulKnnOptions options)
{
    private readonly KnnScorer _scorer = new(options);

    /// <summary>Every query's score, in stream order, histories kept per client (capacity and order as the store does;
    /// lifetime is not simulated: a replay is taken to fit in it).</summary>
    public KnnScore[] Score(IEnumerable<KnnSample> queries)
    {
        ArgumentNullException.ThrowIfNull(queries);
        var histories = new Dictionary<string, List<ReadOnlyMemory<byte>>>(StringComparer.Ordinal);
        var nearest = new KnnNeighbour[_scorer.Options.K];
        var scores = new List<KnnScore>();
        foreach (var query in queries)
        {
            if (!histories.TryGetValue(query.Client, out var history))
            {
                history = [];
                histories[query.Client] = history;
            }

            var entry = _scorer.Entries.Encode((ulong)scores.Count, query.Embedding);
            scores.Add(_scorer.Score(entry.AsSpan(KnnEntry.HeaderSize), history, nearest));

            // Newest first, bounded, as the store returns it.
            history.Insert(0, entry);
            if (history.Count > _scorer.Options.HistoryCapacity)
            {
                history.RemoveAt(history.Count - 1);
            }
        }

        return [.. scores];
    }

    /// <summary>The largest threshold that flags at most <paramref name="targetFalsePositiveRate"/> of the queries.</summary>
    public KnnCalibration Calibrate(IEnumerable<KnnSample> benign, double targetFalsePositiveRate) =>
        Fit(Score(benign), targetFalsePositiveRate);

    /// <summary>The threshold for already computed scores (e.g. to try several targets on one replay).</summary>
    public static KnnCalibration Fit(IReadOnlyCollection<KnnScore> scores, double targetFalsePositiveRate)
    {
        ArgumentNullException.ThrowIfNull(scores);
        if (!(targetFalsePositiveRate is >= 0 and < 1))
        {
            throw new ArgumentOutOfRangeException(nameof(targetFalsePositiveRate), targetFalsePositiveRate, "The target rate must be in [0, 1).");
        }

        var judged = scores.Where(s => s.IsJudged).Select(s => s.MeanDistance).Order().ToArray();
        if (judged.Length == 0)
        {
            throw new ArgumentException("No query was judged: the stream is shorter than MinNeighbours per client.", nameof(scores));
        }

        // The guard flags score < threshold: with threshold = the (m+1)-th smallest score, at most m are flagged (fewer
        // on ties), m being the budget the target allows over every query.
        var allowed = (int)Math.Floor(targetFalsePositiveRate * scores.Count);
        var threshold = allowed < judged.Length ? judged[allowed] : Math.BitIncrement(judged[^1]);
        var flagged = judged.Count(s => s < threshold);
        return new KnnCalibration(threshold, targetFalsePositiveRate, scores.Count, judged.Length, flagged);
    }
}
