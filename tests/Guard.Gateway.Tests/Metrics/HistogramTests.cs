using Guard.Gateway.Metrics;

namespace Guard.Gateway.Tests.Metrics;

public sealed class HistogramTests
{
    [Fact]
    public void Buckets_are_cumulative_and_upper_bounds_inclusive()
    {
        var registry = new MetricsRegistry();
        Histogram histogram = registry.CreateHistogram("h", "H.", [1, 2, 4]);
        foreach (double v in new[] { 0.5, 1, 1.5, 2, 3, 4, 5, 100 })
        {
            histogram.Observe(v);
        }

        string text = registry.Export();

        Assert.Contains("h_bucket{le=\"1\"} 2\n", text, StringComparison.Ordinal);
        Assert.Contains("h_bucket{le=\"2\"} 4\n", text, StringComparison.Ordinal);
        Assert.Contains("h_bucket{le=\"4\"} 6\n", text, StringComparison.Ordinal);
        Assert.Contains("h_bucket{le=\"+Inf\"} 8\n", text, StringComparison.Ordinal);
        Assert.Contains("h_sum 117\n", text, StringComparison.Ordinal);
        Assert.Contains("h_count 8\n", text, StringComparison.Ordinal);
    }

    [Fact]
    public void Child_reports_count_and_sum()
    {
        var registry = new MetricsRegistry();
        HistogramChild child = registry.CreateHistogram("h", "H.", Buckets.Latency, "model").WithLabels("m");

        child.Observe(0.25);
        child.Observe(0.5);
        child.Observe(120);

        Assert.Equal(3, child.Count);
        Assert.Equal(120.75, child.Sum);
    }

    [Fact]
    public void NaN_and_infinite_observations_land_in_the_inf_bucket()
    {
        var registry = new MetricsRegistry();
        Histogram histogram = registry.CreateHistogram("h", "H.", [1]);

        histogram.Observe(double.NaN);
        histogram.Observe(double.PositiveInfinity);
        histogram.Observe(double.NegativeInfinity);

        string text = registry.Export();
        Assert.Contains("h_bucket{le=\"1\"} 1\n", text, StringComparison.Ordinal);
        Assert.Contains("h_bucket{le=\"+Inf\"} 3\n", text, StringComparison.Ordinal);
        Assert.Contains("h_sum NaN\n", text, StringComparison.Ordinal);
    }

    [Fact]
    public void A_trailing_inf_bound_is_implied_not_repeated()
    {
        var registry = new MetricsRegistry();
        registry.CreateHistogram("h", "H.", [1, double.PositiveInfinity]);

        string text = registry.Export();

        Assert.Equal(1, CountOccurrences(text, "le=\"+Inf\""));
        Assert.Contains("h_bucket{le=\"1\"} 0\n", text, StringComparison.Ordinal);
    }

    [Theory]
    [InlineData(new[] { 1.0, 1.0 })]
    [InlineData(new[] { 2.0, 1.0 })]
    [InlineData(new[] { double.NaN })]
    [InlineData(new[] { double.PositiveInfinity, 1.0 })]
    public void Bounds_must_strictly_increase(double[] buckets)
    {
        var registry = new MetricsRegistry();

        Assert.Throws<ArgumentException>(() => registry.CreateHistogram("h", "H.", buckets));
    }

    [Fact]
    public void The_caller_cannot_change_the_buckets_after_creation()
    {
        var registry = new MetricsRegistry();
        double[] buckets = [1, 2];
        Histogram histogram = registry.CreateHistogram("h", "H.", buckets);
        buckets[0] = 100;

        histogram.Observe(1.5);

        Assert.Contains("h_bucket{le=\"1\"} 0\n", registry.Export(), StringComparison.Ordinal);
    }

    [Fact]
    public void Latency_buckets_span_100us_to_60s_and_are_fresh_copies()
    {
        double[] latency = Buckets.Latency;

        Assert.Equal(0.0001, latency[0]);
        Assert.Equal(60, latency[^1]);
        Assert.InRange(latency.Length, 15, 25);
        for (int i = 1; i < latency.Length; i++)
        {
            Assert.True(latency[i] > latency[i - 1]);
        }

        latency[0] = 42;
        Assert.Equal(0.0001, Buckets.Latency[0]);
    }

    [Fact]
    public void Exponential_buckets_multiply_by_the_factor()
    {
        double[] expected = [0.001, 0.002, 0.004, 0.008];

        Assert.Equal(expected, Buckets.Exponential(0.001, 2, 4));
        Assert.Throws<ArgumentOutOfRangeException>(() => Buckets.Exponential(0, 2, 4));
        Assert.Throws<ArgumentOutOfRangeException>(() => Buckets.Exponential(1, 1, 4));
        Assert.Throws<ArgumentOutOfRangeException>(() => Buckets.Exponential(1, 2, 0));
    }

    private static int CountOccurrences(string text, string value)
    {
        int count = 0;
        for (int at = text.IndexOf(value, StringComparison.Ordinal); at >= 0; at = text.IndexOf(value, at + 1, StringComparison.Ordinal))
        {
            count++;
        }

        return count;
    }
}
