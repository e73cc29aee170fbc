using System.Globalization;
using Guard.Gateway.Metrics;

namespace Guard.Gateway.Tests.Metrics;

public sealed class ExpositionFormatTests
{
    [Fact]
    public void Export_writes_families_sorted_by_name_and_series_in_creation_order()
    {
        var registry = new MetricsRegistry();
        Counter requests = registry.CreateCounter("guard_requests_total", "Requests answered.", "model", "code");
        Gauge ready = registry.CreateGauge("guard_ready", "1 when ready.");
        Histogram latency = registry.CreateHistogram("guard_latency_seconds", "Latency.", [0.25, 1], "model");
        Gauge escaped = registry.CreateGauge("a_escape", "Help with \\ backslash\nand newline \"quotes\".", "v");

        requests.WithLabels("resnet", "OK").Inc();
        requests.WithLabels("resnet", "OK").Inc(2);
        requests.WithLabels("bert", "UNAVAILABLE").Inc();
        ready.Set(1);
        HistogramChild resnet = latency.WithLabels("resnet");
        resnet.Observe(0.125);
        resnet.Observe(0.25);
        resnet.Observe(0.5);
        resnet.Observe(3);
        escaped.WithLabels("a\\b\"c\nd").Set(-1.5);

        const string expected =
            "# HELP a_escape Help with \\\\ backslash\\nand newline \"quotes\".\n" +
            "# TYPE a_escape gauge\n" +
            "a_escape{v=\"a\\\\b\\\"c\\nd\"} -1.5\n" +
            "# HELP guard_latency_seconds Latency.\n" +
            "# TYPE guard_latency_seconds histogram\n" +
            "guard_latency_seconds_bucket{model=\"resnet\",le=\"0.25\"} 2\n" +
            "guard_latency_seconds_bucket{model=\"resnet\",le=\"1\"} 3\n" +
            "guard_latency_seconds_bucket{model=\"resnet\",le=\"+Inf\"} 4\n" +
            "guard_latency_seconds_sum{model=\"resnet\"} 3.875\n" +
            "guard_latency_seconds_count{model=\"resnet\"} 4\n" +
            "# HELP guard_ready 1 when ready.\n" +
            "# TYPE guard_ready gauge\n" +
            "guard_ready 1\n" +
            "# HELP guard_requests_total Requests answered.\n" +
            "# TYPE guard_requests_total counter\n" +
            "guard_requests_total{model=\"resnet\",code=\"OK\"} 3\n" +
            "guard_requests_total{model=\"bert\",code=\"UNAVAILABLE\"} 1\n";

        Assert.Equal(expected, registry.Export());
    }

    [Fact]
    public void Unlabeled_metrics_are_exposed_at_zero_and_labeled_ones_only_once_they_have_a_series()
    {
        var registry = new MetricsRegistry();
        registry.CreateCounter("c_total", "C.");
        registry.CreateGauge("g_labeled", "G.", "endpoint");
        registry.CreateHistogram("h_seconds", "H.", [1]);

        const string expected =
            "# HELP c_total C.\n" +
            "# TYPE c_total counter\n" +
            "c_total 0\n" +
            "# HELP h_seconds H.\n" +
            "# TYPE h_seconds histogram\n" +
            "h_seconds_bucket{le=\"1\"} 0\n" +
            "h_seconds_bucket{le=\"+Inf\"} 0\n" +
            "h_seconds_sum 0\n" +
            "h_seconds_count 0\n";

        Assert.Equal(expected, registry.Export());
    }

    [Theory]
    [InlineData(double.PositiveInfinity, "+Inf")]
    [InlineData(double.NegativeInfinity, "-Inf")]
    [InlineData(double.NaN, "NaN")]
    [InlineData(0.1, "0.1")]
    [InlineData(1e-7, "1E-07")]
    [InlineData(1234567.5, "1234567.5")]
    [InlineData(-2, "-2")]
    public void Values_use_invariant_culture_and_prometheus_spellings(double value, string expected)
    {
        var registry = new MetricsRegistry();
        registry.CreateGauge("g", "G.").Set(value);

        Assert.Equal($"# HELP g G.\n# TYPE g gauge\ng {expected}\n", registry.Export());
    }

    [Fact]
    public void Numbers_ignore_the_current_culture()
    {
        var registry = new MetricsRegistry();
        registry.CreateGauge("g", "G.").Set(1.5);
        CultureInfo previous = CultureInfo.CurrentCulture;
        try
        {
            // InvariantGlobalization rules out real cultures; a modified clone shows the same hazard.
            var commaDecimal = (CultureInfo)CultureInfo.InvariantCulture.Clone();
            commaDecimal.NumberFormat.NumberDecimalSeparator = ",";
            CultureInfo.CurrentCulture = commaDecimal;
            Assert.EndsWith("g 1.5\n", registry.Export(), StringComparison.Ordinal);
        }
        finally
        {
            CultureInfo.CurrentCulture = previous;
        }
    }

    [Fact]
    public void Bucket_bounds_are_written_as_le_labels_after_the_metric_labels()
    {
        var registry = new MetricsRegistry();
        Histogram histogram = registry.CreateHistogram("h", "H.", [0.0001, 0.5, 60], "a", "b");
        histogram.WithLabels("x", "y").Observe(0.0001);

        string text = registry.Export();

        Assert.Contains("h_bucket{a=\"x\",b=\"y\",le=\"0.0001\"} 1\n", text, StringComparison.Ordinal);
        Assert.Contains("h_bucket{a=\"x\",b=\"y\",le=\"60\"} 1\n", text, StringComparison.Ordinal);
        Assert.Contains("h_bucket{a=\"x\",b=\"y\",le=\"+Inf\"} 1\n", text, StringComparison.Ordinal);
        Assert.Contains("h_sum{a=\"x\",b=\"y\"} 0.0001\n", text, StringComparison.Ordinal);
        Assert.Contains("h_count{a=\"x\",b=\"y\"} 1\n", text, StringComparison.Ordinal);
    }

    [Fact]
    public void WriteTo_writes_the_same_text_as_Export_with_unix_newlines()
    {
        var registry = new MetricsRegistry();
        registry.CreateCounter("c_total", "C.", "k").WithLabels("v").Inc(4);
        using var writer = new StringWriter(CultureInfo.InvariantCulture) { NewLine = "\r\n" };

        registry.WriteTo(writer);

        Assert.Equal(registry.Export(), writer.ToString());
        Assert.DoesNotContain("\r", writer.ToString(), StringComparison.Ordinal);
    }

    [Fact]
    public void Content_type_is_the_text_format_0_0_4()
    {
        Assert.Equal("text/plain; version=0.0.4; charset=utf-8", MetricsRegistry.ContentType);
    }
}
