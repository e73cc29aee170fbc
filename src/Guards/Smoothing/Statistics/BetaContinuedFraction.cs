namespace Guard.Guards.Smoothing.Statistics;

/// <summary>
/// The continued fraction of the incomplete beta function, I_x(a, b) = [x^a y^b / (a B(a, b))] · CF, evaluated by
/// the modified Lentz method (W. H. Press et al., Numerical Recipes, 3rd ed., §6.4; W. J. Lentz, Applied Optics 15, 1976).
/// It converges quickly for x &lt; (a + 1)/(a + b + 2), in O(√max(a, b)) terms; callers swap to (1 − x, b, a) beyond that.
/// </summary>
internal static class BetaContinuedFraction
{
    // Stands in for a zero denominator, as in Lentz's method; far below any partial value that matters.
    private const double Tiny = 1e-300;

    // Converged when a step changes the value by at most one unit in the last place.
    private const double Epsilon = 2.220446049250313e-16;

    private const int MaxTerms = 1_000_000;

    public static double Evaluate(double a, double b, double x, double y)
    {
        double sum = a + b;

        // The first partial denominator 1 − (a+b)x/(a+1) cancels badly near the switch point, so it is formed
        // from the exact one of x and y with a fused multiply-add: (a+1) − (a+b)x = (1 − b) + (a+b)y.
        double first = x <= y ? Math.FusedMultiplyAdd(-sum, x, a + 1) : Math.FusedMultiplyAdd(sum, y, 1 - b);
        double d = NonZero(first / (a + 1));
        double c = 1;
        d = 1 / d;
        double h = d;

        for (int m = 1; m <= MaxTerms; m++)
        {
            int m2 = 2 * m;
            double even = m * (b - m) * x / ((a - 1 + m2) * (a + m2));
            d = 1 / NonZero(1 + (even * d));
            c = NonZero(1 + (even / c));
            h *= d * c;

            double odd = -(a + m) * (sum + m) * x / ((a + m2) * (a + 1 + m2));
            d = 1 / NonZero(1 + (odd * d));
            c = NonZero(1 + (odd / c));
            double delta = d * c;
            h *= delta;
            if (Math.Abs(delta - 1) <= Epsilon)
            {
                return h;
            }
        }

        throw new InvalidOperationException($"The incomplete beta continued fraction did not converge for a = {a}, b = {b}, x = {x}.");
    }

    private static double NonZero(double value) => Math.Abs(value) < Tiny ? Tiny : value;
}
