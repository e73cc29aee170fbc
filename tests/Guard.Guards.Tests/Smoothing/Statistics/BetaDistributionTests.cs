using System.Globalization;
using Guard.Guards.Smoothing.Statistics;
using Xunit.Abstractions;

namespace Guard.Guards.Tests.Smoothing.Statistics;

public sealed class BetaDistributionTests(ITestOutputHelper output)
{
    [Fact]
    public void Quantile_matches_mpmath_to_1e_13_absolute()
    {
        var absolute = new AccuracyReport("Beta quantile absolute", 1e-13);
        var relative = new AccuracyReport("Beta quantile relative", 1e-12);
        foreach (var (p, a, b, x) in ReferenceValues.BetaQuantile)
        {
            double actual = BetaDistribution.Quantile(p, a, b);
            string row = string.Create(CultureInfo.InvariantCulture, $"p = {p:R}, a = {a:R}, b = {b:R}");
            absolute.Check(actual, x, Math.Abs(actual - x), row);
            relative.Check(actual, x, AccuracyReport.Relative(actual, x), row);
        }

        absolute.Complete(output);
        relative.Complete(output);
    }

    [Fact]
    public void RegularizedIncomplete_matches_mpmath_in_both_tails()
    {
        // The smaller tail is held to a relative error, the larger one to an absolute error (1 − tail can do no better).
        var smallerTail = new AccuracyReport("I_x smaller-tail relative", 1e-13);
        foreach (var (x, a, b, i) in ReferenceValues.BetaIncomplete)
        {
            double actual = BetaDistribution.RegularizedIncomplete(x, a, b);
            string row = string.Create(CultureInfo.InvariantCulture, $"x = {x:R}, a = {a:R}, b = {b:R}");
            double error = i <= 0.5 ? AccuracyReport.Relative(actual, i) : AccuracyReport.Relative(1 - actual, 1 - i);
            smallerTail.Check(actual, i, error, row);
        }

        smallerTail.Complete(output);
    }

    [Fact]
    public void Closed_forms_hold()
    {
        // I_x(1, 1) = x and I_x(a, 1) = x^a. Through ln I the relative error grows like |ln I|·ε, hence 1e-13 at 1e-300.
        foreach (double x in new[] { 1e-300, 1e-9, 0.25, 0.5, 0.75, 1 - 1e-9 })
        {
            Assert.Equal(1.0, BetaDistribution.RegularizedIncomplete(x, 1, 1) / x, 1e-13);
            double root = Math.Pow(x, 1 / 3.5);
            Assert.Equal(1.0, BetaDistribution.RegularizedIncomplete(root, 3.5, 1) / Math.Pow(root, 3.5), 1e-13);
        }

        // I_x(1, b) = 1 − (1 − x)^b.
        Assert.Equal(1 - Math.Pow(0.75, 20), BetaDistribution.RegularizedIncomplete(0.25, 1, 20), 1e-15);
    }

    [Fact]
    public void Quantile_lands_within_four_ulps_of_the_root_across_shapes()
    {
        // Near x = 1 a steep CDF can jump by more than 1e-12 between neighbouring doubles, so the check is on x:
        // four ulps below the answer the CDF is under p, four ulps above it is over p (up to 1e-12 evaluation error).
        foreach (var (a, b) in new[] { (0.05, 0.05), (0.3, 12.0), (12.0, 0.3), (7.0, 7.0), (1e6, 1e6), (3e5, 40.0), (2.0, 1e6) })
        {
            foreach (double p in new[] { 1e-12, 1e-4, 0.2, 0.5, 0.8, 0.9999 })
            {
                double x = BetaDistribution.Quantile(p, a, b);
                double below = BetaDistribution.RegularizedIncomplete(Step(x, -4), a, b);
                double above = BetaDistribution.RegularizedIncomplete(Step(x, +4), a, b);
                Assert.True(below <= p * (1 + 1e-12) && above >= p * (1 - 1e-12), $"a = {a}, b = {b}, p = {p}: x = {x}, I below = {below}, I above = {above}");
            }
        }
    }

    private static double Step(double x, int ulps)
    {
        for (int i = 0; i < Math.Abs(ulps); i++)
        {
            x = ulps > 0 ? Math.BitIncrement(x) : Math.BitDecrement(x);
        }

        return Math.Clamp(x, 0, 1);
    }

    [Fact]
    public void Endpoints_are_exact()
    {
        Assert.Equal(0.0, BetaDistribution.RegularizedIncomplete(0, 2, 3));
        Assert.Equal(1.0, BetaDistribution.RegularizedIncomplete(1, 2, 3));
        Assert.Equal(0.0, BetaDistribution.Quantile(0, 2, 3));
        Assert.Equal(1.0, BetaDistribution.Quantile(1, 2, 3));
    }

    [Theory]
    [InlineData(-0.1, 1.0, 1.0, "x")]
    [InlineData(1.5, 1.0, 1.0, "x")]
    [InlineData(double.NaN, 1.0, 1.0, "x")]
    [InlineData(0.5, 0.0, 1.0, "a")]
    [InlineData(0.5, double.PositiveInfinity, 1.0, "a")]
    [InlineData(0.5, 1.0, -2.0, "b")]
    [InlineData(0.5, 1.0, double.NaN, "b")]
    public void RegularizedIncomplete_rejects_bad_arguments(double x, double a, double b, string parameter)
    {
        Assert.Equal(parameter, Assert.Throws<ArgumentOutOfRangeException>(() => BetaDistribution.RegularizedIncomplete(x, a, b)).ParamName);
    }

    [Theory]
    [InlineData(-1e-9, 1.0, 1.0, "p")]
    [InlineData(double.NaN, 1.0, 1.0, "p")]
    [InlineData(0.5, -1.0, 1.0, "a")]
    [InlineData(0.5, 1.0, 0.0, "b")]
    public void Quantile_rejects_bad_arguments(double p, double a, double b, string parameter)
    {
        Assert.Equal(parameter, Assert.Throws<ArgumentOutOfRangeException>(() => BetaDistribution.Quantile(p, a, b)).ParamName);
    }
}
