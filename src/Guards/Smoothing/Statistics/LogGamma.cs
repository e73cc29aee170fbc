namespace Guard.Guards.Smoothing.Statistics;

/// <summary>
/// ln Γ(x) for x &gt; 0, and Stirling's correction δ(x) = ln Γ(x) − [(x − ½) ln x − x + ½ ln 2π] on its own,
/// so that callers can cancel the large Stirling terms analytically instead of subtracting two huge
/// ln Γ values (which at x = 10^6 would cost nine digits).
/// </summary>
/// <remarks>
/// The asymptotic series of δ (Abramowitz &amp; Stegun 6.1.41) is used for x ≥ 10, where its first
/// eight terms leave an error below 2e-18; smaller arguments are shifted into [2, 3) by Γ(x+1) = xΓ(x) and use
/// the rational approximation of S. L. Moshier's Cephes library (lgam), good to about 1e-16 there.
/// </remarks>
internal static class LogGamma
{
    internal const double HalfLogTwoPi = 0.91893853320467274178032973640562;

    private const double SeriesThreshold = 10;

    private const double TinyArgument = 1e-17;

    // Cephes lgam's minimax rational approximation of ln Γ(2 + t) / t on t ∈ [0, 1), highest power first.
    private static ReadOnlySpan<double> RationalNumerator => [-1.37825152569120859100E3, -3.88016315134637840924E4, -3.31612992738871184744E5, -1.16237097492762307383E6, -1.72173700820839662146E6, -8.53555664245765465627E5];

    private static ReadOnlySpan<double> RationalDenominator => [1.0, -3.51815701436523470549E2, -1.70642106651881159223E4, -2.20528590553854454839E5, -1.13933444367982507207E6, -2.53252307177582951285E6, -2.01889141433532773231E6];

    public static double Of(double x)
    {
        if (x >= SeriesThreshold)
        {
            return ((x - 0.5) * Math.Log(x)) - x + HalfLogTwoPi + StirlingCorrection(x);
        }

        // Shift into [2, 3) with Γ(x+1) = xΓ(x), keeping the product exact for integers so ln Γ(n) = ln((n−1)!) is
        // correctly rounded, then add a rational approximation on [2, 3) that vanishes at 2 (Cephes lgam, S. L. Moshier).
        if (x < TinyArgument)
        {
            // ln Γ(x) = −ln x − γx + O(x²), and γx is below half an ulp of ln x here; 1/x could overflow.
            return -Math.Log(x);
        }

        double scale = 1;
        double shift = 0;
        double u = x;
        while (u >= 3)
        {
            shift--;
            u = x + shift;
            scale *= u;
        }

        while (u < 2)
        {
            scale /= u;
            shift++;
            u = x + shift;
        }

        if (u == 2)
        {
            return Math.Log(scale);
        }

        // x + (shift − 2) rounds once, at the scale of t rather than of u.
        double t = x + (shift - 2);
        return Math.Log(scale) + (t * Polynomial(t, RationalNumerator) / Polynomial(t, RationalDenominator));
    }

    /// <summary>δ(x) = ln Γ(x) − (x − ½) ln x + x − ½ ln 2π, which is about 1/(12x).</summary>
    public static double StirlingCorrection(double x)
    {
        if (x < SeriesThreshold)
        {
            return Of(x) - ((x - 0.5) * Math.Log(x)) + x - HalfLogTwoPi;
        }

        // B_{2k} / (2k (2k−1)) for k = 1..8.
        double z = 1 / (x * x);
        double series = ((((((((-3617.0 / 122400.0 * z) + (1.0 / 156.0)) * z) - (691.0 / 360360.0)) * z) + (1.0 / 1188.0)) * z) - (1.0 / 1680.0)) * z;
        series = (((series + (1.0 / 1260.0)) * z) - (1.0 / 360.0)) * z;
        return (series + (1.0 / 12.0)) / x;
    }

    private static double Polynomial(double x, ReadOnlySpan<double> coefficients)
    {
        double sum = 0;
        foreach (double coefficient in coefficients)
        {
            sum = (sum * x) + coefficient;
        }

        return sum;
    }
}
