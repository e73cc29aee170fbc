using Guard.Guards.Smoothing.Statistics;

namespace Guard.Guards.Tests.Smoothing.Statistics;

public sealed class SequentialBoundTests
{
    [Fact]
    public void The_union_bound_is_clopper_pearson_at_alpha_over_the_number_of_looks()
    {
        Assert.Equal(ClopperPearson.Lower(930, 1000, 0.001 / 8), SequentialBound.LowerAtLook(930, 1000, 0.001, 8));
        Assert.Equal(ClopperPearson.Upper(930, 1000, 0.001 / 8), SequentialBound.UpperAtLook(930, 1000, 0.001, 8));
        Assert.Equal(ClopperPearson.Lower(930, 1000, 0.001), SequentialBound.LowerAtLook(930, 1000, 0.001, 1));
    }

    [Fact]
    public void The_default_schedule_is_the_union_bound()
    {
        for (int look = 1; look <= 5; look++)
        {
            Assert.Equal(SequentialBound.LowerAtLook(40, 50, 0.01, 5), SequentialBound.LowerAtLook(40, 50, 0.01, look, 5, UniformAlphaSpending.Instance));
        }
    }

    [Theory]
    [InlineData(1)]
    [InlineData(7)]
    [InlineData(100)]
    public void Every_schedule_spends_at_most_alpha_in_total(int maxLooks)
    {
        foreach (IAlphaSpending spending in new IAlphaSpending[] { UniformAlphaSpending.Instance, LinearAlphaSpending.Instance })
        {
            double total = 0;
            for (int look = 1; look <= maxLooks; look++)
            {
                total += spending.AlphaAtLook(0.05, look, maxLooks);
            }

            Assert.True(total <= 0.05 * (1 + 1e-15), $"{spending.GetType().Name} spends {total}");
            Assert.Equal(0.05, total, 1e-15);
        }
    }

    [Fact]
    public void Linear_spending_favours_the_last_look_and_uniform_spending_the_first()
    {
        const int looks = 10;
        double uniformLast = SequentialBound.LowerAtLook(950, 1000, 0.001, looks, looks, UniformAlphaSpending.Instance);
        double linearLast = SequentialBound.LowerAtLook(950, 1000, 0.001, looks, looks, LinearAlphaSpending.Instance);
        double uniformFirst = SequentialBound.LowerAtLook(95, 100, 0.001, 1, looks, UniformAlphaSpending.Instance);
        double linearFirst = SequentialBound.LowerAtLook(95, 100, 0.001, 1, looks, LinearAlphaSpending.Instance);

        Assert.True(linearLast > uniformLast);
        Assert.True(linearFirst < uniformFirst);
    }

    [Theory]
    [InlineData(1000L, 100L, 10)]
    [InlineData(1001L, 100L, 11)]
    [InlineData(1L, 100L, 1)]
    [InlineData(100_000L, 1L, 100_000)]
    public void LookCount_is_the_ceiling_of_samples_over_batch(long maxSamples, long batchSize, int looks)
    {
        Assert.Equal(looks, SequentialBound.LookCount(maxSamples, batchSize));
    }

    [Fact]
    public void Bad_arguments_are_rejected_by_name()
    {
        Assert.Equal("maxLooks", Assert.Throws<ArgumentOutOfRangeException>(() => SequentialBound.LowerAtLook(5, 10, 0.05, 0)).ParamName);
        Assert.Equal("maxLooks", Assert.Throws<ArgumentOutOfRangeException>(() => SequentialBound.UpperAtLook(5, 10, 0.05, -1)).ParamName);
        Assert.Equal("alpha", Assert.Throws<ArgumentOutOfRangeException>(() => SequentialBound.LowerAtLook(5, 10, 1.5, 3)).ParamName);
        Assert.Equal("successes", Assert.Throws<ArgumentOutOfRangeException>(() => SequentialBound.LowerAtLook(11, 10, 0.05, 3)).ParamName);
        Assert.Equal("look", Assert.Throws<ArgumentOutOfRangeException>(() => SequentialBound.LowerAtLook(5, 10, 0.05, 4, 3, LinearAlphaSpending.Instance)).ParamName);
        Assert.Equal("look", Assert.Throws<ArgumentOutOfRangeException>(() => SequentialBound.UpperAtLook(5, 10, 0.05, 0, 3, UniformAlphaSpending.Instance)).ParamName);
        Assert.Throws<ArgumentNullException>(() => SequentialBound.LowerAtLook(5, 10, 0.05, 1, 3, null!));
        Assert.Equal("batchSize", Assert.Throws<ArgumentOutOfRangeException>(() => SequentialBound.LookCount(10, 0)).ParamName);
        Assert.Equal("maxSamples", Assert.Throws<ArgumentOutOfRangeException>(() => SequentialBound.LookCount(0, 10)).ParamName);
    }
}
