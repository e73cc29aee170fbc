using System.Globalization;
using Guard.Guards.Smoothing.Statistics;
using Xunit.Abstractions;

namespace Guard.Guards.Tests.Smoothing.Statistics;

public sealed class ClopperPearsonTests(ITestOutputHelper output)
{
    [Fact]
    public void Bounds_match_mpmath_to_1e_13_absolute()
    {
        var lower = new AccuracyReport("Clopper-Pearson lower", 1e-13);
        var upper = new AccuracyReport("Clopper-Pearson upper", 1e-13);
        foreach (var (k, n, alpha, expectedLower, expectedUpper) in ReferenceValues.ClopperPearson)
        {
            string row = string.Create(CultureInfo.InvariantCulture, $"k = {k}, n = {n}, α = {alpha:R}");
            double actualLower = ClopperPearson.Lower(k, n, alpha);
            double actualUpper = ClopperPearson.Upper(k, n, alpha);
            lower.Check(actualLower, expectedLower, Math.Abs(actualLower - expectedLower), row);
            upper.Check(actualUpper, expectedUpper, Math.Abs(actualUpper - expectedUpper), row);
        }

        lower.Complete(output);
        upper.Complete(output);
    }

    [Fact]
    public void No_successes_give_a_lower_bound_of_zero_and_all_successes_an_upper_bound_of_one()
    {
        Assert.Equal(0.0, ClopperPearson.Lower(0, 100, 0.001));
        Assert.Equal(1.0, ClopperPearson.Upper(100, 100, 0.001));
        Assert.Equal(0.0, ClopperPearson.Lower(0, 1, 0.5));
        Assert.Equal(1.0, ClopperPearson.Upper(1, 1, 0.5));
    }

    [Fact]
    public void A_single_trial_has_the_closed_form_bounds()
    {
        // One success: P(X = 1) = p ≥ α gives p̲ = α; one failure: 1 − p ≥ α gives p̄ = 1 − α.
        Assert.Equal(0.05, ClopperPearson.Lower(1, 1, 0.05), 4 * (Math.BitIncrement(0.05) - 0.05));
        Assert.Equal(0.95, ClopperPearson.Upper(0, 1, 0.05), 4 * (Math.BitIncrement(0.95) - 0.95));
    }

    [Fact]
    public void All_successes_have_the_closed_form_lower_bound()
    {
        // k = n: p̲ = α^(1/n).
        foreach (long n in new long[] { 1, 10, 1000, 100_000, 10_000_000 })
        {
            Assert.Equal(Math.Pow(0.001, 1.0 / n), ClopperPearson.Lower(n, n, 0.001), 1e-15);
        }
    }

    [Fact]
    public void Lower_and_upper_mirror_each_other()
    {
        foreach (var (k, n) in new (long, long)[] { (3, 10), (55, 100), (9990, 10000), (1, 1_000_000) })
        {
            Assert.Equal(1 - ClopperPearson.Upper(n - k, n, 0.01), ClopperPearson.Lower(k, n, 0.01), 1e-15);
        }
    }

    [Fact]
    public void Bounds_tighten_as_alpha_grows_and_stay_ordered_at_the_extremes()
    {
        double previous = 0;
        foreach (double alpha in new[] { 1e-300, 1e-100, 1e-12, 1e-3, 0.3, 0.5, 0.9, 1 - 1e-16 })
        {
            double lower = ClopperPearson.Lower(50, 100, alpha);
            double upper = ClopperPearson.Upper(50, 100, alpha);
            Assert.True(lower >= previous && lower > 0 && upper < 1, $"α = {alpha}: lower {lower}, upper {upper}");
            previous = lower;
        }

        Assert.True(ClopperPearson.Lower(50, 100, 0.4) < ClopperPearson.Upper(50, 100, 0.4));
    }

    [Theory]
    [InlineData(0L, 0L, 0.05, "trials")]
    [InlineData(1L, -5L, 0.05, "trials")]
    [InlineData(-1L, 10L, 0.05, "successes")]
    [InlineData(11L, 10L, 0.05, "successes")]
    [InlineData(5L, 10L, 0.0, "alpha")]
    [InlineData(5L, 10L, 1.0, "alpha")]
    [InlineData(5L, 10L, double.NaN, "alpha")]
    public void Bad_arguments_are_rejected_by_name(long k, long n, double alpha, string parameter)
    {
        Assert.Equal(parameter, Assert.Throws<ArgumentOutOfRangeException>(() => ClopperPearson.Lower(k, n, alpha)).ParamName);
        Assert.Equal(parameter, Assert.Throws<ArgumentOutOfRangeException>(() => ClopperPearson.Upper(k, n, alpha)).ParamName);
    }
}
