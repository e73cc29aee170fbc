namespace Guard.Gateway.Smoothing;

/// <summary>The base classifiers' decision: the top class of each row of <c>[rows, classes]</c> scores.</summary>
internal static class TopClass
{
    /// <summary>Writes the argmax of each row of <paramref name="scores"/> into <paramref name="destination"/>.</summary>
    public static void OfRows(ReadOnlySpan<float> scores, int classes, Span<int> destination)
    {
        for (var row = 0; row < destination.Length; row++)
        {
            var values = scores.Slice(row * classes, classes);
            var best = 0;
            for (var c = 1; c < values.Length; c++)
            {
                if (values[c] > values[best])
                {
                    best = c;
                }
            }

            destination[row] = best;
        }
    }
}
