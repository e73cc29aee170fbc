using System.Globalization;

namespace Guard.Gateway.Metrics;

/// <summary>
/// Owns the metric families of one process and writes them in the Prometheus text exposition format 0.0.4.
/// Registration takes a lock (start-up only); scrapes read a published, name-sorted array and never block recording.
/// </summary>
public sealed class MetricsRegistry
{
    /// <summary>The Content-Type of <see cref="WriteTo"/>'s output.</summary>
    public const string ContentType = "text/plain; version=0.0.4; charset=utf-8";

    private readonly Lock _registrationLock = new();
    private IMetricFamily[] _families = [];

    public Counter CreateCounter(string name, string help, params string[] labelNames) =>
        Register(new Counter(name, help, labelNames));

    public Gauge CreateGauge(string name, string help, params string[] labelNames) =>
        Register(new Gauge(name, help, labelNames));

    public Histogram CreateHistogram(string name, string help, double[] buckets, params string[] labelNames) =>
        Register(new Histogram(name, help, buckets, labelNames));

    /// <summary>Writes every family with at least one series, sorted by name; series in creation order. Lines end in '\n'.</summary>
    public void WriteTo(TextWriter writer)
    {
        ArgumentNullException.ThrowIfNull(writer);
        foreach (IMetricFamily family in Volatile.Read(ref _families))
        {
            family.WriteTo(writer);
        }
    }

    public string Export()
    {
        using var writer = new StringWriter(CultureInfo.InvariantCulture);
        WriteTo(writer);
        return writer.ToString();
    }

    private T Register<T>(T family)
        where T : IMetricFamily
    {
        lock (_registrationLock)
        {
            IMetricFamily[] current = _families;

            foreach (IMetricFamily existing in current)
            {
                if (Clashes(existing, family))
                {
                    throw new ArgumentException(
                        $"Metric '{family.Name}' clashes with already registered metric '{existing.Name}'.", nameof(family));
                }
            }

            var next = new IMetricFamily[current.Length + 1];
            int at = 0;
            while (at < current.Length && string.CompareOrdinal(current[at].Name, family.Name) < 0)
            {
                next[at] = current[at];
                at++;
            }

            next[at] = family;
            Array.Copy(current, at, next, at + 1, current.Length - at);
            Volatile.Write(ref _families, next);
            return family;
        }
    }

    /// <summary>Same name, or a shared sample name: a counter "x_count" would collide with histogram "x".</summary>
    private static bool Clashes(IMetricFamily a, IMetricFamily b)
    {
        if (string.Equals(a.Name, b.Name, StringComparison.Ordinal))
        {
            return true;
        }

        foreach (string sample in a.SampleNames)
        {
            if (b.SampleNames.Contains(sample, StringComparer.Ordinal))
            {
                return true;
            }
        }

        return false;
    }
}
