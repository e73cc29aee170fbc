namespace Guard.Guards.Smoothing.Statistics;

/// <summary>
/// The exact binomial test. PREDICT of Cohen et al. (ICML 2019) abstains unless the two-sided test of
/// "the top class beats the runner-up", n_A of n_A + n_B at p = ½, rejects at level α.
/// </summary>
public static class Binomial
{
    // scipy.stats.binomtest's relative tolerance: outcomes within it of the observed probability count as "as likely".
    private const double RelativeTolerance = 1 + 1e-7;

    /// <summary>
    /// The two-sided p-value of k successes in n trials under success probability p: the total probability of the
    /// outcomes no more likely than k, computed as scipy.stats.binomtest does (SciPy 1.7+), with an exact pmf.
    /// </summary>
    /// <exception cref="ArgumentOutOfRangeException">n &lt; 1, k outside [0, n], or p outside [0, 1].</exception>
    public static double TwoSidedPValue(long k, long n, double p = 0.5)
    {
        if (n < 1)
        {
            throw new ArgumentOutOfRangeException(nameof(n), n, "At least one trial is needed.");
        }

        if (k < 0 || k > n)
        {
            throw new ArgumentOutOfRangeException(nameof(k), k, "Successes must lie in [0, n].");
        }

        if (!(p >= 0 && p <= 1))
        {
            throw new ArgumentOutOfRangeException(nameof(p), p, "A probability must lie in [0, 1].");
        }

        double q = 1 - p;
        double mean = p * n;
        if (k == mean)
        {
            return 1;
        }

        double threshold = Pmf(k, n, p, q) * RelativeTolerance;
        double pValue;
        if (k < mean)
        {
            // The other side: the first outcome above the mode whose probability is at most the threshold.
            long ix = SearchDescending(n, p, q, threshold, (long)Math.Ceiling(mean), n);
            long y = n - ix + (threshold == Pmf(ix, n, p, q) ? 1 : 0);
            pValue = Cdf(k, n, p, q) + Survival(n - y, n, p, q);
        }
        else
        {
            long ix = SearchAscending(n, p, q, threshold, 0, (long)Math.Floor(mean));
            long y = ix + 1;
            pValue = Cdf(y - 1, n, p, q) + Survival(k - 1, n, p, q);
        }

        return Math.Min(1, pValue);
    }

    /// <summary>P(X = k) for X ~ Bin(n, p), to full relative precision: C(n, k) = n / (k (n − k) B(k, n − k)).</summary>
    internal static double Pmf(long k, long n, double p, double q)
    {
        if (k < 0 || k > n)
        {
            return 0;
        }

        if (k == 0)
        {
            return Math.Exp(n * LogOf(q, p));
        }

        if (k == n)
        {
            return Math.Exp(n * LogOf(p, q));
        }

        if (p == 0 || q == 0)
        {
            return 0;
        }

        double logCoefficientTimesPowers = BetaPrefactor.Log(k, n - k, p, q) + Math.Log((double)n / ((double)k * (n - k)));
        return Math.Exp(logCoefficientTimesPowers);
    }

    /// <summary>P(X ≤ k) = I_q(n − k, k + 1).</summary>
    internal static double Cdf(long k, long n, double p, double q)
    {
        if (k < 0)
        {
            return 0;
        }

        if (k >= n || p == 0)
        {
            return 1;
        }

        return q == 0 ? 0 : BetaTails.Value(q, p, n - k, k + 1, upper: false);
    }

    /// <summary>P(X &gt; k) = I_p(k + 1, n − k).</summary>
    internal static double Survival(long k, long n, double p, double q)
    {
        if (k < 0)
        {
            return 1;
        }

        if (k >= n || p == 0)
        {
            return 0;
        }

        return q == 0 ? 1 : BetaTails.Value(p, q, k + 1, n - k, upper: false);
    }

    // ln v for v ∈ [0, 1] with complement w = 1 − v, taken from whichever of the two is exact.
    private static double LogOf(double v, double w) => v <= w ? Math.Log(v) : PreciseMath.Log1p(-w);

    // scipy's _binary_search_for_binom_tst on a = −pmf (increasing past the mode), d = −threshold.
    private static long SearchDescending(long n, double p, double q, double threshold, long lo, long hi)
    {
        while (lo < hi)
        {
            long mid = lo + ((hi - lo) / 2);
            double value = -Pmf(mid, n, p, q);
            if (value < -threshold)
            {
                lo = mid + 1;
            }
            else if (value > -threshold)
            {
                hi = mid - 1;
            }
            else
            {
                return mid;
            }
        }

        return -Pmf(lo, n, p, q) <= -threshold ? lo : lo - 1;
    }

    // scipy's _binary_search_for_binom_tst on a = pmf (increasing up to the mode), d = threshold.
    private static long SearchAscending(long n, double p, double q, double threshold, long lo, long hi)
    {
        while (lo < hi)
        {
            long mid = lo + ((hi - lo) / 2);
            double value = Pmf(mid, n, p, q);
            if (value < threshold)
            {
                lo = mid + 1;
            }
            else if (value > threshold)
            {
                hi = mid - 1;
            }
            else
            {
                return mid;
            }
        }

        return Pmf(lo, n, p, q) <= threshold ? lo : lo - 1;
    }
}
