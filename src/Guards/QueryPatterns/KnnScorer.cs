namespace Guard.Guards.QueryPatterns;

/// <summary>A query's k-NN score: how many earlier queries were comparable, how many neighbours were averaged (0: not
/// judged, too few), and their mean distance (+∞ when not judged).</summary>
public readonly record struct KnnScore(int Comparable, int Neighbours, double MeanDistance)
{
    public bool IsJudged => Neighbours > 0;
}

/// <summary>
/// The rule shared by the guard and the calibrator, so a calibrated threshold means the same in both: a query with at
/// least MinNeighbours comparable earlier ones is scored by the mean L2 distance to its min(K, comparable) nearest.
/// </summary>
public sealed class KnnScorer
{
    public KnnScorer(StatefulKnnOptions options)
    {
        ArgumentNullException.ThrowIfNull(options);
        options.Validate();
        Options = options;
        Entries = new KnnEntry(options.EmbeddingMin, options.EmbeddingMax);
    }

    public StatefulKnnOptions Options { get; }

    /// <summary>The entry codec for these options' quantization range.</summary>
    public KnnEntry Entries { get; }

    /// <summary>Scores <paramref name="query"/> (levels) against <paramref name="history"/> (encoded entries, newest
    /// first); <paramref name="nearest"/> (at least K long) receives the neighbours averaged, nearest first.</summary>
    public KnnScore Score(ReadOnlySpan<byte> query, IReadOnlyList<ReadOnlyMemory<byte>> history, Span<KnnNeighbour> nearest)
    {
        if (nearest.Length < Options.K)
        {
            throw new ArgumentException($"The neighbour buffer must hold K ({Options.K}).", nameof(nearest));
        }

        var found = KnnSearch.Nearest(query, history, nearest[..Options.K], out var comparable);
        if (comparable < Options.MinNeighbours)
        {
            return new KnnScore(comparable, 0, double.PositiveInfinity);
        }

        return new KnnScore(comparable, found, KnnSearch.MeanDistance(nearest[..found], Entries.LevelSize));
    }
}
