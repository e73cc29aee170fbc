namespace Guard.Guards.Smoothing.Statistics;

/// <summary>
/// Both tails of the Beta(a, b) distribution at x, each computed where it is accurate: the tail on x's side of
/// the switch point (a + 1)/(a + b + 2) comes straight from the continued fraction (full relative precision,
/// however small), the other as one minus it (full absolute precision).
/// </summary>
internal static class BetaTails
{
    /// <summary>The lower tail I_x(a, b), or the upper tail 1 − I_x(a, b).</summary>
    public static double Value(double x, double y, double a, double b, bool upper)
    {
        double logNear = LogNear(x, y, a, b, out bool nearIsUpper);
        return nearIsUpper == upper ? Math.Exp(logNear) : 1 - Math.Exp(logNear);
    }

    /// <summary>The natural logarithm of the tail <see cref="Value"/> returns.</summary>
    public static double Log(double x, double y, double a, double b, bool upper)
    {
        double logNear = LogNear(x, y, a, b, out bool nearIsUpper);
        return nearIsUpper == upper ? logNear : PreciseMath.Log1p(-Math.Exp(logNear));
    }

    private static double LogNear(double x, double y, double a, double b, out bool nearIsUpper)
    {
        nearIsUpper = x >= (a + 1) / (a + b + 2);
        return nearIsUpper ? LogLowerByFraction(y, x, b, a) : LogLowerByFraction(x, y, a, b);
    }

    private static double LogLowerByFraction(double x, double y, double a, double b)
    {
        double logPrefactor = BetaPrefactor.Log(a, b, x, y);
        if (double.IsNegativeInfinity(logPrefactor))
        {
            return logPrefactor;
        }

        return logPrefactor + Math.Log(BetaContinuedFraction.Evaluate(a, b, x, y)) - Math.Log(a);
    }
}
