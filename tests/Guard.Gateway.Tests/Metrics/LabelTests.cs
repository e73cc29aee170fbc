using Guard.Gateway.Metrics;

namespace Guard.Gateway.Tests.Metrics;

public sealed class LabelTests
{
    [Fact]
    public void Same_label_values_give_the_same_child()
    {
        var registry = new MetricsRegistry();
        Counter counter = registry.CreateCounter("c_total", "C.", "a", "b");

        CounterChild first = counter.WithLabels("x", "y");
        CounterChild second = counter.WithLabels(new string('x', 1), "y");

        Assert.Same(first, second);
        Assert.NotSame(first, counter.WithLabels("y", "x"));
    }

    [Fact]
    public void The_caller_may_reuse_the_values_array()
    {
        var registry = new MetricsRegistry();
        Gauge gauge = registry.CreateGauge("g", "G.", "endpoint");
        string[] values = ["a"];
        GaugeChild a = gauge.WithLabels(values);
        values[0] = "b";
        GaugeChild b = gauge.WithLabels(values);

        Assert.NotSame(a, b);
        Assert.Same(a, gauge.WithLabels("a"));
    }

    [Fact]
    public void Label_count_mismatch_throws()
    {
        var registry = new MetricsRegistry();
        Counter counter = registry.CreateCounter("c_total", "C.", "a", "b");
        Histogram histogram = registry.CreateHistogram("h", "H.", [1], "a");

        Assert.Throws<ArgumentException>(() => counter.WithLabels("x"));
        Assert.Throws<ArgumentException>(() => counter.WithLabels("x", "y", "z"));
        Assert.Throws<ArgumentException>(() => histogram.WithLabels());
        Assert.Throws<ArgumentException>(() => counter.WithLabels("x", null!));
    }

    [Fact]
    public void Unlabeled_shortcuts_throw_on_labeled_metrics()
    {
        var registry = new MetricsRegistry();

        Assert.Throws<InvalidOperationException>(() => registry.CreateCounter("c_total", "C.", "a").Inc());
        Assert.Throws<InvalidOperationException>(() => registry.CreateGauge("g", "G.", "a").Set(1));
        Assert.Throws<InvalidOperationException>(() => registry.CreateHistogram("h", "H.", [1], "a").Observe(1));
    }

    [Theory]
    [InlineData("")]
    [InlineData("1abc")]
    [InlineData("a-b")]
    [InlineData("a b")]
    [InlineData("é")]
    public void Invalid_metric_names_are_rejected(string name)
    {
        var registry = new MetricsRegistry();

        Assert.Throws<ArgumentException>(() => registry.CreateCounter(name, "C."));
    }

    [Theory]
    [InlineData("ns:sub_system_total")]
    [InlineData("_x")]
    [InlineData(":x9")]
    public void Valid_metric_names_are_accepted(string name)
    {
        var registry = new MetricsRegistry();

        Assert.Equal(name, registry.CreateCounter(name, "C.").Name);
    }

    [Theory]
    [InlineData("")]
    [InlineData("a:b")]
    [InlineData("9a")]
    [InlineData("__reserved")]
    [InlineData("a-b")]
    public void Invalid_label_names_are_rejected(string label)
    {
        var registry = new MetricsRegistry();

        Assert.Throws<ArgumentException>(() => registry.CreateGauge("g", "G.", label));
    }

    [Fact]
    public void Duplicate_label_names_and_le_on_histograms_are_rejected()
    {
        var registry = new MetricsRegistry();

        Assert.Throws<ArgumentException>(() => registry.CreateCounter("c_total", "C.", "a", "a"));
        Assert.Throws<ArgumentException>(() => registry.CreateHistogram("h", "H.", [1], "le"));
        Assert.NotNull(registry.CreateGauge("g", "G.", "le"));
    }

    [Fact]
    public void Clashing_metric_names_are_rejected()
    {
        var registry = new MetricsRegistry();
        registry.CreateCounter("x_total", "C.");
        registry.CreateHistogram("h", "H.", [1]);

        Assert.Throws<ArgumentException>(() => registry.CreateGauge("x_total", "G."));
        Assert.Throws<ArgumentException>(() => registry.CreateCounter("h_count", "C."));
        Assert.Throws<ArgumentException>(() => registry.CreateHistogram("x_total", "H.", [1]));
    }

    [Fact]
    public void Counters_only_go_up()
    {
        var registry = new MetricsRegistry();
        Counter counter = registry.CreateCounter("c_total", "C.");

        Assert.Throws<ArgumentOutOfRangeException>(() => counter.Inc(-1));
        Assert.Throws<ArgumentOutOfRangeException>(() => counter.Inc(double.NaN));
        counter.Inc(0);
        counter.Inc(2.5);

        Assert.Equal(2.5, counter.WithLabels().Value);
    }

    [Fact]
    public void Gauges_set_increment_and_decrement()
    {
        var registry = new MetricsRegistry();
        Gauge gauge = registry.CreateGauge("g", "G.");
        GaugeChild child = registry.CreateGauge("g2", "G.", "e").WithLabels("a");

        gauge.Set(5);
        gauge.Inc();
        gauge.Dec(2.5);
        child.Inc(3);
        child.Dec();
        child.Set(child.Value * 10);

        Assert.Equal(3.5, gauge.Value);
        Assert.Equal(20, child.Value);
    }

    [Fact]
    public void RemoveLabels_drops_the_series_and_a_later_WithLabels_starts_afresh()
    {
        var registry = new MetricsRegistry();
        Gauge gauge = registry.CreateGauge("g", "G.", "endpoint");
        gauge.WithLabels("a:1").Set(1);
        gauge.WithLabels("b:2").Set(2);
        gauge.WithLabels("c:3").Set(3);

        Assert.True(gauge.RemoveLabels("b:2"));
        Assert.False(gauge.RemoveLabels("b:2"));
        Assert.Throws<ArgumentException>(() => gauge.RemoveLabels());

        Assert.Equal(
            "# HELP g G.\n# TYPE g gauge\ng{endpoint=\"a:1\"} 1\ng{endpoint=\"c:3\"} 3\n",
            registry.Export());
        Assert.Equal(0, gauge.WithLabels("b:2").Value);
    }

    [Fact]
    public void RemoveLabels_on_an_unlabeled_metric_throws()
    {
        var registry = new MetricsRegistry();
        Gauge gauge = registry.CreateGauge("g", "G.");

        Assert.Throws<InvalidOperationException>(() => gauge.RemoveLabels());
        gauge.Set(2);
        Assert.Contains("g 2\n", registry.Export(), StringComparison.Ordinal);
    }

    [Fact]
    public void Removing_the_last_series_hides_the_family()
    {
        var registry = new MetricsRegistry();
        Counter counter = registry.CreateCounter("c_total", "C.", "endpoint");
        counter.WithLabels("a").Inc();

        counter.RemoveLabels("a");

        Assert.Equal(string.Empty, registry.Export());
    }
}
