namespace Guard.Guards.Smoothing.Statistics;

/// <summary>Elementary functions .NET lacks at full precision (double.LogP1 is computed as Log(1 + x)).</summary>
internal static class PreciseMath
{
    /// <summary>ln(1 + x), accurate for small x (D. Goldberg, "What Every Computer Scientist Should Know About Floating-Point Arithmetic", 1991, Theorem 4).</summary>
    public static double Log1p(double x)
    {
        double u = 1 + x;
        if (u == 1)
        {
            return x;
        }

        // The rounding of 1 + x is undone by scaling with x / (u − 1), which is exact.
        return Math.Log(u) * x / (u - 1);
    }

    /// <summary>e − ln(1 + e), without cancellation for small e (e &gt; −1).</summary>
    public static double LogOnePlusRemainder(double e)
    {
        if (Math.Abs(e) > 0.5)
        {
            return e - Log1p(e);
        }

        // With t = e / (2 + e): ln(1 + e) = 2 atanh t and e − 2t = e·t, so e − ln(1 + e) = e·t − 2(t³/3 + t⁵/5 + ...),
        // a sum of terms that do not cancel.
        double t = e / (2 + e);
        double t2 = t * t;
        double power = t * t2;
        double sum = 0;
        for (int k = 3; k < 200; k += 2)
        {
            double term = power / k;
            sum += term;
            if (Math.Abs(term) <= Math.Abs(sum) * 1e-17)
            {
                break;
            }

            power *= t2;
        }

        return (e * t) - (2 * sum);
    }
}
