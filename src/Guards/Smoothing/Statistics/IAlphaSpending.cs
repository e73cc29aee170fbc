namespace Guard.Guards.Smoothing.Statistics;

/// <summary>
/// How a sequential test shares its error budget α among its looks. Any schedule whose per-look levels sum to at
/// most α keeps the bounds valid simultaneously over all looks (Bonferroni), whatever rule decides to stop.
/// </summary>
public interface IAlphaSpending
{
    /// <summary>The level spent at <paramref name="look"/> (1-based) of <paramref name="maxLooks"/>; the levels sum to at most <paramref name="alpha"/>.</summary>
    double AlphaAtLook(double alpha, int look, int maxLooks);
}
