namespace Guard.Guards.Smoothing.Statistics;

/// <summary>
/// ln[x^a y^b / B(a, b)] with y = 1 − x: the factor in front of the incomplete beta continued fraction,
/// also x·y times the Beta(a, b) density. Computed so that large a and b (up to 10^6 and beyond) keep full
/// precision: the huge Stirling terms of ln Γ are cancelled analytically, never numerically.
/// </summary>
/// <remarks>
/// Both x and y are passed because at most one of them is exact: a caller holding x &lt; ½ has x exactly and
/// y = 1 − x rounded, a caller holding x ≥ ½ has both exactly (Sterbenz). Only the smaller one is trusted.
/// For a, b ≥ 10 this is BRCOMP of A. R. DiDonato and A. H. Morris, "Algorithm 708: Significant Digit
/// Computation of the Incomplete Beta Function Ratios", ACM TOMS 18(3), 1992.
/// </remarks>
internal static class BetaPrefactor
{
    private const double StirlingThreshold = 10;

    public static double Log(double a, double b, double x, double y)
    {
        double logX = x <= y ? Math.Log(x) : PreciseMath.Log1p(-y);
        double logY = y <= x ? Math.Log(y) : PreciseMath.Log1p(-x);
        double small = Math.Min(a, b);
        double large = Math.Max(a, b);

        if (small >= StirlingThreshold)
        {
            return LogBothLarge(a, b, x, y, logX, logY);
        }

        if (large < StirlingThreshold)
        {
            // Every term is below ln Γ(20) ≈ 39, so the plain sum keeps ~1e-14 absolute.
            return (a * logX) + (b * logY) - LogGamma.Of(a) - LogGamma.Of(b) + LogGamma.Of(a + b);
        }

        // ln Γ(L + s) − ln Γ(L) = (L − ½) ln(1 + s/L) + s ln(L + s) − s + δ(L + s) − δ(L): no term is large.
        double logGammaRatio = ((large - 0.5) * PreciseMath.Log1p(small / large)) - small
            + LogGamma.StirlingCorrection(large + small) - LogGamma.StirlingCorrection(large);
        double logSum = Math.Log(large + small);

        // The small exponent's power is paired with ln(L + s), since together they are O(1).
        double pairedPower = a == small ? a * (logX + logSum) + (b * logY) : (a * logX) + (b * (logY + logSum));
        return pairedPower - LogGamma.Of(small) + logGammaRatio;
    }

    /// <summary>TOMS 708 BRCOMP: with x₀ = a/(a+b) and λ = a − (a+b)x, the result is
    /// −½ ln 2π + ½ ln(a b/(a+b)) − a·φ(−λ/a) − b·φ(λ/b) − [δ(a) + δ(b) − δ(a+b)], φ(e) = e − ln(1+e).</summary>
    private static double LogBothLarge(double a, double b, double x, double y, double logX, double logY)
    {
        double sum = a + b;

        // λ from the exact one of x and y; the fused multiply-add keeps the product exact.
        double lambda = x <= y ? Math.FusedMultiplyAdd(-sum, x, a) : Math.FusedMultiplyAdd(sum, y, -b);
        double x0 = a / sum;
        double y0 = b / sum;

        double e = -lambda / a;
        double u = Math.Abs(e) > 0.6 ? e - (logX - Math.Log(x0)) : PreciseMath.LogOnePlusRemainder(e);
        e = lambda / b;
        double v = Math.Abs(e) > 0.6 ? e - (logY - Math.Log(y0)) : PreciseMath.LogOnePlusRemainder(e);

        double correction = LogGamma.StirlingCorrection(a) + LogGamma.StirlingCorrection(b) - LogGamma.StirlingCorrection(sum);
        return -LogGamma.HalfLogTwoPi + (0.5 * Math.Log(b * x0)) - ((a * u) + (b * v)) - correction;
    }
}
