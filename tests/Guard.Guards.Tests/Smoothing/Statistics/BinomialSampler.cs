namespace Guard.Guards.Tests.Smoothing.Statistics;

/// <summary>
/// Draws Bin(n, p) counts exactly by inverting a precomputed CDF table (one uniform per draw). The table is built by
/// the pmf ratio recurrence outward from the mode, independently of the code under test.
/// </summary>
internal sealed class BinomialSampler
{
    private readonly double[] _cumulative;

    public BinomialSampler(int n, double p)
    {
        double q = 1 - p;
        var weights = new double[n + 1];
        int mode = Math.Clamp((int)Math.Floor((n + 1) * p), 0, n);
        weights[mode] = 1;
        for (int j = mode + 1; j <= n; j++)
        {
            weights[j] = weights[j - 1] * (n - j + 1) / j * p / q;
        }

        for (int j = mode - 1; j >= 0; j--)
        {
            weights[j] = weights[j + 1] * (j + 1) / (n - j) * q / p;
        }

        double total = weights.Sum();
        _cumulative = new double[n + 1];
        double running = 0;
        for (int j = 0; j <= n; j++)
        {
            running += weights[j];
            _cumulative[j] = running / total;
        }

        _cumulative[n] = 1;
    }

    public int Next(Random random)
    {
        double u = random.NextDouble();
        int index = Array.BinarySearch(_cumulative, u);

        // The smallest j with F(j) > u.
        return index >= 0 ? index + 1 : ~index;
    }
}
