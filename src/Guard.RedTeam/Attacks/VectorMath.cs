namespace Guard.RedTeam.Attacks;

/// <summary>The few vector operations the attacks share, on flat float images.</summary>
internal static class VectorMath
{
    public static double L2Distance(ReadOnlySpan<float> a, ReadOnlySpan<float> b)
    {
        var sum = 0.0;
        for (var i = 0; i < a.Length; i++)
        {
            var d = (double)a[i] - b[i];
            sum += d * d;
        }

        return Math.Sqrt(sum);
    }

    public static double LInfDistance(ReadOnlySpan<float> a, ReadOnlySpan<float> b)
    {
        var max = 0.0;
        for (var i = 0; i < a.Length; i++)
        {
            max = Math.Max(max, Math.Abs((double)a[i] - b[i]));
        }

        return max;
    }

    public static double Norm(ReadOnlySpan<double> v)
    {
        var sum = 0.0;
        foreach (var x in v)
        {
            sum += x * x;
        }

        return Math.Sqrt(sum);
    }

    public static float Clip01(double value) => (float)Math.Clamp(value, 0.0, 1.0);

    /// <summary>(1 − α)·a + α·b, clipped to [0, 1].</summary>
    public static void Blend(ReadOnlySpan<float> a, ReadOnlySpan<float> b, double alpha, Span<float> destination)
    {
        for (var i = 0; i < destination.Length; i++)
        {
            destination[i] = Clip01(((1 - alpha) * a[i]) + (alpha * b[i]));
        }
    }

    /// <summary>A standard normal sample (Box–Muller).</summary>
    public static double NextGaussian(Random random)
    {
        var u1 = 1.0 - random.NextDouble();
        var u2 = random.NextDouble();
        return Math.Sqrt(-2.0 * Math.Log(u1)) * Math.Cos(2.0 * Math.PI * u2);
    }

    public static void FillGaussian(Random random, Span<double> destination)
    {
        for (var i = 0; i < destination.Length; i++)
        {
            destination[i] = NextGaussian(random);
        }
    }
}
