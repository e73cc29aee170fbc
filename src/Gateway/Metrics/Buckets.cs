namespace Guard.Gateway.Metrics;

/// <summary>Ready-made histogram bucket bounds. Each call returns a fresh array, so no caller can alter another's buckets.</summary>
public static class Buckets
{
    /// <summary>Request latency in seconds, 100 µs to 60 s: fine steps where a proxy's own overhead lives, coarse ones for slow models.</summary>
    public static double[] Latency =>
    [
        0.0001, 0.00025, 0.0005,
        0.001, 0.0025, 0.005, 0.0075,
        0.01, 0.025, 0.05, 0.075,
        0.1, 0.25, 0.5, 0.75,
        1, 2.5, 5, 10, 30, 60,
    ];

    /// <summary><paramref name="count"/> bounds: <paramref name="start"/>, start·factor, start·factor², …</summary>
    public static double[] Exponential(double start, double factor, int count)
    {
        if (!(start > 0) || double.IsPositiveInfinity(start))
        {
            throw new ArgumentOutOfRangeException(nameof(start), start, "The first bound must be a positive number.");
        }

        if (!(factor > 1) || double.IsPositiveInfinity(factor))
        {
            throw new ArgumentOutOfRangeException(nameof(factor), factor, "The factor must be a number greater than 1.");
        }

        ArgumentOutOfRangeException.ThrowIfLessThan(count, 1);

        var bounds = new double[count];
        double bound = start;
        for (int i = 0; i < count; i++)
        {
            bounds[i] = bound;
            bound *= factor;
        }

        return bounds;
    }
}
