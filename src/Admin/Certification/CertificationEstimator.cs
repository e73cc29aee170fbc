using Guard.Guards.Smoothing.Statistics;

namespace Guard.Admin.Certification;

/// <summary>
/// Predicts the abstain rate, certified accuracy and time of other settings (n, α, r_min) from one fixed-n certify
/// run. Each example's radius gives its p_A lower bound (R = σ·Φ⁻¹(p̲)), from which the top-class count of the run is
/// recovered exactly (the Clopper–Pearson bound is monotone in the count); the same top-class share at the new n
/// and α gives the new bound and radius. Time scales with the number of samples.
/// </summary>
public static class CertificationEstimator
{
    public static CertificationEstimate Estimate(IReadOnlyList<CertifiedRow> rows, CertificationRun run, double sigma, int n, int n0, double alpha, double minRadius)
    {
        ArgumentOutOfRangeException.ThrowIfNegativeOrZero(sigma);
        if (rows.Count == 0)
        {
            return new CertificationEstimate(0, 0, 0, 0);
        }

        var notCertified = 0;
        var certifiedCorrect = 0;
        var msPerSample = 0.0;
        foreach (var row in rows)
        {
            msPerSample += row.Samples > 0 ? row.Milliseconds / row.Samples : 0;
            var radius = row.Radius > 0 ? RadiusAt(TopCount(StandardNormal.Cdf(row.Radius / sigma), run.N, run.Alpha) / (double)run.N, sigma, n, alpha) : 0;
            if (radius <= 0 || radius < minRadius)
            {
                notCertified++;
            }
            else if (row.Correct)
            {
                certifiedCorrect++;
            }
        }

        return new CertificationEstimate(
            notCertified / (double)rows.Count,
            certifiedCorrect / (double)rows.Count,
            msPerSample / rows.Count * (n0 + n),
            rows.Count);
    }

    /// <summary>The smallest top-class count whose lower bound reaches <paramref name="pLower"/>.</summary>
    internal static long TopCount(double pLower, long n, double alpha)
    {
        long lo = 0, hi = n;
        while (lo < hi)
        {
            var mid = lo + ((hi - lo) / 2);
            if (ClopperPearson.Lower(mid, n, alpha) >= pLower - 1e-12)
            {
                hi = mid;
            }
            else
            {
                lo = mid + 1;
            }
        }

        return lo;
    }

    /// <summary>The certified radius of a top-class share at n samples and α (0 when p̲ ≤ ½: abstain).</summary>
    internal static double RadiusAt(double share, double sigma, int n, double alpha)
    {
        var lower = ClopperPearson.Lower((long)Math.Round(share * n), n, alpha);
        return lower > 0.5 ? sigma * StandardNormal.Quantile(lower) : 0;
    }
}
