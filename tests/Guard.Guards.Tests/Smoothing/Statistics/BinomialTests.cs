using System.Globalization;
using Guard.Guards.Smoothing.Statistics;
using Xunit.Abstractions;

namespace Guard.Guards.Tests.Smoothing.Statistics;

public sealed class BinomialTests(ITestOutputHelper output)
{
    [Fact]
    public void TwoSidedPValue_matches_scipy_binomtest_evaluated_exactly()
    {
        var relative = new AccuracyReport("binomial p-value relative", 1e-12);
        foreach (var (k, n, p, pValue) in ReferenceValues.BinomialPValue)
        {
            double actual = Binomial.TwoSidedPValue(k, n, p);
            relative.Check(actual, pValue, AccuracyReport.Relative(actual, pValue), string.Create(CultureInfo.InvariantCulture, $"k = {k}, n = {n}, p = {p:R}"));
        }

        relative.Complete(output);
    }

    [Fact]
    public void Small_cases_equal_the_hand_count()
    {
        // 2 of 3 at p = ½: every outcome is at most as likely as 2 (1/8, 3/8, 3/8, 1/8), so the p-value is 1.
        Assert.Equal(1.0, Binomial.TwoSidedPValue(2, 3, 0.5));

        // 0 of 10: P(0) + P(10) = 2/1024.
        Assert.Equal(2.0 / 1024, Binomial.TwoSidedPValue(0, 10), 1e-17);

        // 9 of 10: P(0) + P(1) + P(9) + P(10) = 22/1024.
        Assert.Equal(22.0 / 1024, Binomial.TwoSidedPValue(9, 10), 1e-16);
    }

    [Fact]
    public void The_test_is_symmetric_at_one_half()
    {
        foreach (var (k, n) in new (long, long)[] { (3, 10), (40, 100), (4900, 10_000), (498_000, 1_000_000) })
        {
            Assert.Equal(Binomial.TwoSidedPValue(k, n), Binomial.TwoSidedPValue(n - k, n), 1e-15);
        }
    }

    [Fact]
    public void A_million_trials_agree_with_the_normal_approximation_to_its_accuracy()
    {
        // 501,000 of 10^6 is two standard deviations out: 2Φ(−2) ≈ 0.0455, with an O(1/√n) continuity error.
        Assert.Equal(2 * StandardNormal.Cdf(-2), Binomial.TwoSidedPValue(501_000, 1_000_000), 2e-3);
        Assert.Equal(2 * StandardNormal.Cdf(-4), Binomial.TwoSidedPValue(502_000, 1_000_000), 1e-5);
    }

    [Fact]
    public void The_degenerate_probabilities_give_zero_or_one()
    {
        Assert.Equal(1.0, Binomial.TwoSidedPValue(0, 10, 0));
        Assert.Equal(0.0, Binomial.TwoSidedPValue(1, 10, 0));
        Assert.Equal(1.0, Binomial.TwoSidedPValue(10, 10, 1));
        Assert.Equal(1.0, Binomial.TwoSidedPValue(1, 1));
    }

    [Theory]
    [InlineData(0L, 0L, 0.5, "n")]
    [InlineData(-1L, 10L, 0.5, "k")]
    [InlineData(11L, 10L, 0.5, "k")]
    [InlineData(5L, 10L, -0.5, "p")]
    [InlineData(5L, 10L, double.NaN, "p")]
    public void Bad_arguments_are_rejected_by_name(long k, long n, double p, string parameter)
    {
        Assert.Equal(parameter, Assert.Throws<ArgumentOutOfRangeException>(() => Binomial.TwoSidedPValue(k, n, p)).ParamName);
    }
}
