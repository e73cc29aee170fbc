namespace Guard.Guards.Smoothing.Statistics;

/// <summary>
/// Solves tail(x) = target for x, where tail is the lower or the upper tail of Beta(a, b): Newton's method on
/// ln tail(x), kept inside a shrinking bracket and replaced by bisection whenever it leaves the bracket or
/// stops halving its step (the "rtsafe" safeguard of Numerical Recipes, 3rd ed., §9.4).
/// </summary>
/// <remarks>
/// Newton runs on the logarithm of the tail because ln tail is close to linear in the far tails, where the tail
/// itself is as curved as x^a. The start is the approximation of AS 109 (G. W. Cran, K. J. Martin and
/// G. E. Thomas, Applied Statistics 26(1), 1977). The iteration stops when a step moves x by at most four units
/// in its last place, or when the bracket is that narrow, so the answer is as exact as the tail evaluation.
/// </remarks>
internal static class BetaInverse
{
    private const double RelativeTolerance = 4 * 1.1102230246251565e-16;

    // Each iteration at least halves the bracket (in x, or in ln x near 0, or in ln(1 − x) near 1), so this is ample.
    private const int MaxIterations = 2000;

    public static double Solve(double target, double a, double b, bool upper)
    {
        double logTarget = Math.Log(target);
        double lo = 0;
        double hi = 1;
        double x = InitialGuess(target, a, b, upper);
        double step = 1;
        double stepBeforeLast = 1;

        for (int i = 0; i < MaxIterations; i++)
        {
            double y = 1 - x;
            double logTail = BetaTails.Log(x, y, a, b, upper);
            double gap = logTail - logTarget;
            if (gap == 0)
            {
                return x;
            }

            // The lower tail grows with x and the upper tail shrinks.
            if ((gap < 0) != upper)
            {
                lo = x;
            }
            else
            {
                hi = x;
            }

            double slope = Math.Exp(BetaPrefactor.Log(a, b, x, y) - logTail) / (x * y);
            double newtonStep = gap / (upper ? -slope : slope);
            double next = x - newtonStep;
            stepBeforeLast = step;
            if (next > lo && next < hi && Math.Abs(newtonStep) <= 0.5 * Math.Abs(stepBeforeLast))
            {
                step = newtonStep;
            }
            else
            {
                next = Midpoint(lo, hi);
                step = x - next;
            }

            if (Math.Abs(next - x) <= RelativeTolerance * next || hi - lo <= RelativeTolerance * hi)
            {
                return next;
            }

            x = next;
        }

        return x;
    }

    /// <summary>Bisects in ln x when the bracket spans orders of magnitude near 0, in ln(1 − x) near 1, else in x.</summary>
    private static double Midpoint(double lo, double hi)
    {
        if (hi <= 0.5 && (lo == 0 || hi > 4 * lo))
        {
            return Math.Exp(0.5 * (Math.Log(Math.Max(lo, double.Epsilon)) + Math.Log(hi)));
        }

        double loComplement = 1 - lo;
        double hiComplement = 1 - hi;
        if (lo >= 0.5 && (hiComplement == 0 || loComplement > 4 * hiComplement))
        {
            // 2^-53 is the smallest gap below 1 a double can hold.
            double mid = 1 - Math.Exp(0.5 * (Math.Log(loComplement) + Math.Log(Math.Max(hiComplement, 1.1102230246251565e-16))));
            return mid > lo && mid < hi ? mid : lo + (0.5 * (hi - lo));
        }

        return lo + (0.5 * (hi - lo));
    }

    private static double InitialGuess(double target, double a, double b, bool upper)
    {
        // AS 109 approximates the lower-tail quantile at α ≤ ½; an upper-tail problem is the lower tail of Beta(b, a) at 1 − x.
        double pp = upper ? b : a;
        double qq = upper ? a : b;
        double alpha = Math.Min(target, 0.5);
        double deviate = -StandardNormal.Quantile(alpha);
        double guess;
        if (pp > 1 && qq > 1)
        {
            double r = ((deviate * deviate) - 3) / 6;
            double s = 1 / ((2 * pp) - 1);
            double t = 1 / ((2 * qq) - 1);
            double h = 2 / (s + t);
            double w = (deviate * Math.Sqrt(h + r) / h) - ((t - s) * (r + (5.0 / 6) - (2 / (3 * h))));
            guess = pp / (pp + (qq * Math.Exp(2 * w)));
        }
        else
        {
            double logBeta = LogGamma.Of(pp) + LogGamma.Of(qq) - LogGamma.Of(pp + qq);
            double r = 2 * qq;
            double t = 1 / (9 * qq);
            t = r * Math.Pow(1 - t + (deviate * Math.Sqrt(t)), 3);
            if (t <= 0)
            {
                guess = 1 - Math.Exp((PreciseMath.Log1p(-alpha) + Math.Log(qq) + logBeta) / qq);
            }
            else
            {
                t = ((4 * pp) + r - 2) / t;
                guess = t <= 1 ? Math.Exp((Math.Log(alpha * pp) + logBeta) / pp) : 1 - (2 / (t + 1));
            }
        }

        double x = upper ? 1 - guess : guess;
        return x > 0 && x < 1 ? x : 0.5;
    }
}
