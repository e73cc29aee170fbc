namespace Guard.Guards.QueryPatterns;

/// <summary>One of the nearest earlier queries: its position in the history (0 = most recent) and squared distance.</summary>
public readonly record struct KnnNeighbour(int Index, int SquaredLevels);

/// <summary>
/// Brute-force k nearest neighbours of a quantized query among stored entries: at most a few hundred entries of a few
/// dozen bytes, so a linear scan with a small sorted buffer beats any index.
/// </summary>
public static class KnnSearch
{
    /// <summary>
    /// Fills <paramref name="nearest"/> with the closest entries of the same size and version as
    /// <paramref name="query"/>, nearest first (ties: the more recent first), and returns how many it filled.
    /// </summary>
    /// <param name="comparable">How many entries could be compared (others are of another size or version).</param>
    public static int Nearest(ReadOnlySpan<byte> query, IReadOnlyList<ReadOnlyMemory<byte>> entries, Span<KnnNeighbour> nearest, out int comparable)
    {
        ArgumentNullException.ThrowIfNull(entries);
        comparable = 0;
        var filled = 0;
        for (var index = 0; index < entries.Count; index++)
        {
            if (!KnnEntry.TryGetLevels(entries[index].Span, query.Length, out var levels))
            {
                continue;
            }

            comparable++;
            var distance = KnnDistance.SquaredLevels(query, levels);
            if (filled == nearest.Length && (filled == 0 || distance >= nearest[filled - 1].SquaredLevels))
            {
                continue;
            }

            // Insertion into the sorted buffer; strict comparison keeps the more recent of equal distances first.
            var at = filled < nearest.Length ? filled++ : filled - 1;
            while (at > 0 && nearest[at - 1].SquaredLevels > distance)
            {
                nearest[at] = nearest[at - 1];
                at--;
            }

            nearest[at] = new KnnNeighbour(index, distance);
        }

        return filled;
    }

    /// <summary>Mean L2 distance, in embedding units, of <paramref name="neighbours"/>.</summary>
    public static double MeanDistance(ReadOnlySpan<KnnNeighbour> neighbours, double levelSize)
    {
        if (neighbours.IsEmpty)
        {
            return double.PositiveInfinity;
        }

        var sum = 0.0;
        foreach (var neighbour in neighbours)
        {
            sum += Math.Sqrt(neighbour.SquaredLevels);
        }

        return sum / neighbours.Length * levelSize;
    }
}
