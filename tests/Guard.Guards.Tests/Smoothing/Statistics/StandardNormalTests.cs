using System.Globalization;
using Guard.Guards.Smoothing.Statistics;
using Xunit.Abstractions;

namespace Guard.Guards.Tests.Smoothing.Statistics;

public sealed class StandardNormalTests(ITestOutputHelper output)
{
    [Fact]
    public void Quantile_matches_mpmath_to_1e_12_absolute_and_1e_14_relative()
    {
        var absolute = new AccuracyReport("Φ⁻¹ absolute", 1e-12);
        var relative = new AccuracyReport("Φ⁻¹ relative", 1e-14);
        foreach (var (p, z) in ReferenceValues.NormalQuantile)
        {
            double actual = StandardNormal.Quantile(p);
            string row = string.Create(CultureInfo.InvariantCulture, $"p = {p:R}");
            absolute.Check(actual, z, Math.Abs(actual - z), row);
            relative.Check(actual, z, AccuracyReport.Relative(actual, z), row);
        }

        absolute.Complete(output);
        relative.Complete(output);
    }

    [Fact]
    public void Cdf_matches_mpmath_to_1e_14_relative_down_to_the_subnormal_range()
    {
        var relative = new AccuracyReport("Φ relative", 1e-14);
        foreach (var (x, phi) in ReferenceValues.NormalCdf)
        {
            double actual = StandardNormal.Cdf(x);
            relative.Check(actual, phi, AccuracyReport.Relative(actual, phi), string.Create(CultureInfo.InvariantCulture, $"x = {x:R}"));
        }

        relative.Complete(output);
    }

    [Fact]
    public void Quantile_inverts_the_cdf()
    {
        foreach (double p in new[] { 1e-250, 1e-30, 1e-6, 0.01, 0.2, 0.5, 0.8, 0.99 })
        {
            Assert.Equal(1.0, StandardNormal.Cdf(StandardNormal.Quantile(p)) / p, 1e-13);
        }
    }

    [Fact]
    public void Quantile_is_antisymmetric_about_one_half()
    {
        // Dyadic p, so that 1 − p is exact and the two calls see the same tail.
        foreach (double p in new[] { Math.ScaleB(1, -40), Math.ScaleB(1, -10), 0.125, 0.3125, 0.4375 })
        {
            Assert.Equal(-StandardNormal.Quantile(p), StandardNormal.Quantile(1 - p), 1e-14);
        }
    }

    [Fact]
    public void Quantile_is_infinite_at_0_and_1()
    {
        Assert.Equal(double.NegativeInfinity, StandardNormal.Quantile(0));
        Assert.Equal(double.PositiveInfinity, StandardNormal.Quantile(1));
        Assert.Equal(0.0, StandardNormal.Quantile(0.5));
    }

    [Fact]
    public void Cdf_saturates_at_the_infinities()
    {
        Assert.Equal(0.0, StandardNormal.Cdf(double.NegativeInfinity));
        Assert.Equal(1.0, StandardNormal.Cdf(double.PositiveInfinity));
        Assert.Equal(0.0, StandardNormal.Cdf(-50));
        Assert.Equal(1.0, StandardNormal.Cdf(50));
    }

    [Theory]
    [InlineData(-1e-300)]
    [InlineData(1.0000000000000002)]
    [InlineData(double.NaN)]
    [InlineData(double.PositiveInfinity)]
    public void Quantile_rejects_a_non_probability(double p)
    {
        var error = Assert.Throws<ArgumentOutOfRangeException>(() => StandardNormal.Quantile(p));
        Assert.Equal("p", error.ParamName);
    }

    [Fact]
    public void Cdf_rejects_NaN()
    {
        Assert.Equal("x", Assert.Throws<ArgumentOutOfRangeException>(() => StandardNormal.Cdf(double.NaN)).ParamName);
    }
}
