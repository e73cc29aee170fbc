using System.Globalization;
using Guard.Gateway.Metrics;

namespace Guard.Gateway.Tests.Metrics;

public sealed class ConcurrencyTests
{
    private const int Threads = 8;
    private const int PerThread = 50_000;

    [Fact]
    public async Task Concurrent_increments_and_observations_add_up_exactly()
    {
        var registry = new MetricsRegistry();
        Counter counter = registry.CreateCounter("c_total", "C.", "model");
        Gauge gauge = registry.CreateGauge("g", "G.");
        Histogram histogram = registry.CreateHistogram("h", "H.", [0.25, 1], "model");
        using var start = new Barrier(Threads);

        Task[] workers = Enumerable.Range(0, Threads).Select(t => Task.Factory.StartNew(
            () =>
            {
                start.SignalAndWait();
                for (int i = 0; i < PerThread; i++)
                {
                    // Looked up every time on purpose: lookups race with each other and with creation.
                    counter.WithLabels("shared").Inc();
                    counter.WithLabels("m" + (i % 4).ToString(CultureInfo.InvariantCulture)).Inc(0.5);
                    gauge.Inc();
                    gauge.Dec(0.5);
                    histogram.WithLabels("shared").Observe((i % 3) * 0.5);
                }
            },
            CancellationToken.None,
            TaskCreationOptions.LongRunning,
            TaskScheduler.Default)).ToArray();
        await Task.WhenAll(workers);

        const int total = Threads * PerThread;
        Assert.Equal(total, counter.WithLabels("shared").Value);
        for (int m = 0; m < 4; m++)
        {
            Assert.Equal(total / 4 * 0.5, counter.WithLabels("m" + m.ToString(CultureInfo.InvariantCulture)).Value);
        }

        Assert.Equal(total * 0.5, gauge.Value);
        HistogramChild shared = histogram.WithLabels("shared");
        Assert.Equal(total, shared.Count);

        // Per thread, i % 3 cycles 0, 1, 2: observations 0, 0.5, 1.0.
        long zeros = Threads * (long)Enumerable.Range(0, PerThread).Count(i => i % 3 == 0);
        long halves = Threads * (long)Enumerable.Range(0, PerThread).Count(i => i % 3 == 1);
        long ones = Threads * (long)Enumerable.Range(0, PerThread).Count(i => i % 3 == 2);
        Assert.Equal((halves * 0.5) + ones, shared.Sum);

        string text = registry.Export();
        Assert.Contains($"h_bucket{{model=\"shared\",le=\"0.25\"}} {zeros}\n", text, StringComparison.Ordinal);
        Assert.Contains($"h_bucket{{model=\"shared\",le=\"1\"}} {total}\n", text, StringComparison.Ordinal);
        Assert.Contains($"h_count{{model=\"shared\"}} {total}\n", text, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Scrapes_run_safely_alongside_recording_and_series_creation()
    {
        var registry = new MetricsRegistry();
        Histogram histogram = registry.CreateHistogram("h", "H.", [1], "endpoint");
        Gauge gauge = registry.CreateGauge("g", "G.", "endpoint");
        using var stop = new CancellationTokenSource();

        Task writer = Task.Run(
            () =>
            {
                for (int i = 0; !stop.IsCancellationRequested; i++)
                {
                    string endpoint = "e" + (i % 64).ToString(CultureInfo.InvariantCulture);
                    histogram.WithLabels(endpoint).Observe(i % 2);
                    gauge.WithLabels(endpoint).Set(i);
                    if (i % 7 == 0)
                    {
                        gauge.RemoveLabels(endpoint);
                    }
                }
            },
            CancellationToken.None);

        for (int scrape = 0; scrape < 200; scrape++)
        {
            string text = registry.Export();
            AssertInfBucketsMatchCounts(text);
        }

        await stop.CancelAsync();
        await writer;
    }

    [Fact]
    public void Recording_on_cached_children_allocates_nothing()
    {
        var registry = new MetricsRegistry();
        CounterChild counter = registry.CreateCounter("c_total", "C.", "model").WithLabels("m");
        GaugeChild gauge = registry.CreateGauge("g", "G.", "model").WithLabels("m");
        HistogramChild histogram = registry.CreateHistogram("h", "H.", Buckets.Latency, "model").WithLabels("m");
        Record(counter, gauge, histogram, 1_000); // warm up (JIT, tiering)

        long before = GC.GetAllocatedBytesForCurrentThread();
        Record(counter, gauge, histogram, 100_000);
        long allocated = GC.GetAllocatedBytesForCurrentThread() - before;

        Assert.Equal(0, allocated);
    }

    private static void Record(CounterChild counter, GaugeChild gauge, HistogramChild histogram, int times)
    {
        for (int i = 0; i < times; i++)
        {
            counter.Inc();
            gauge.Inc();
            gauge.Dec();
            gauge.Set(i);
            histogram.Observe(i * 0.001);
        }
    }

    /// <summary>Within one scrape, each series' +Inf bucket and _count must agree, or Prometheus sees a broken histogram.</summary>
    private static void AssertInfBucketsMatchCounts(string text)
    {
        var infBuckets = new Dictionary<string, string>(StringComparer.Ordinal);
        foreach (string line in text.Split('\n', StringSplitOptions.RemoveEmptyEntries))
        {
            if (line.StartsWith("h_bucket{", StringComparison.Ordinal) && line.Contains("le=\"+Inf\"", StringComparison.Ordinal))
            {
                string series = line[..line.IndexOf(",le=", StringComparison.Ordinal)]["h_bucket{".Length..];
                infBuckets[series] = line[(line.LastIndexOf(' ') + 1)..];
            }
            else if (line.StartsWith("h_count{", StringComparison.Ordinal))
            {
                string series = line[..line.IndexOf('}', StringComparison.Ordinal)]["h_count{".Length..];
                Assert.Equal(infBuckets[series], line[(line.LastIndexOf(' ') + 1)..]);
            }
        }
    }
}
