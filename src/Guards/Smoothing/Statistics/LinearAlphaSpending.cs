namespace Guard.Guards.Smoothing.Statistics;

/// <summary>
/// Spends α_t = 2tα / (T(T + 1)) at look t: later looks, which hold more samples and decide the borderline inputs,
/// get more of the budget. The cumulative spend α·t(t + 1)/(T(T + 1)) ≈ α(t/T)² is the ρ = 2 member of the power
/// family of α-spending functions (K. Kim and D. L. DeMets, "Design and analysis of group sequential tests based
/// on the type I error spending rate function", Biometrika 74(1), 1987; K. K. G. Lan and D. L. DeMets,
/// Biometrika 70(3), 1983). The levels still sum to α, so validity is the same union bound as the uniform schedule.
/// </summary>
public sealed class LinearAlphaSpending : IAlphaSpending
{
    public static LinearAlphaSpending Instance { get; } = new();

    public double AlphaAtLook(double alpha, int look, int maxLooks)
    {
        SequentialBound.ValidateLook(alpha, look, maxLooks);
        return 2.0 * look * alpha / ((double)maxLooks * (maxLooks + 1));
    }
}
