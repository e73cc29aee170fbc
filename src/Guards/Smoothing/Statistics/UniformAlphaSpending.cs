namespace Guard.Guards.Smoothing.Statistics;

/// <summary>The plain union bound: α/T at each of the T looks. The default; no look is favoured.</summary>
public sealed class UniformAlphaSpending : IAlphaSpending
{
    public static UniformAlphaSpending Instance { get; } = new();

    public double AlphaAtLook(double alpha, int look, int maxLooks)
    {
        SequentialBound.ValidateLook(alpha, look, maxLooks);
        return alpha / maxLooks;
    }
}
