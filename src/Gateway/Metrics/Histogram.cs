namespace Guard.Gateway.Metrics;

/// <summary>
/// A distribution over fixed buckets, exposed as a Prometheus <c>histogram</c>: cumulative <c>_bucket{le=...}</c>
/// series ending in <c>+Inf</c>, then <c>_sum</c> and <c>_count</c>.
/// </summary>
public sealed class Histogram : IMetricFamily
{
    private readonly string _header;
    private readonly string[] _sampleNames;
    private readonly string _bucketName;
    private readonly string _sumName;
    private readonly string _countName;
    private readonly double[] _upperBounds;

    // `le="0.1"` per finite bound, then `le="+Inf"`; rendered once.
    private readonly string[] _lePairs;
    private readonly ChildSet<HistogramChild> _children;
    private readonly HistogramChild? _unlabeled;

    internal Histogram(string name, string help, double[] buckets, string[] labelNames)
    {
        MetricNames.ValidateMetricName(name);
        ArgumentNullException.ThrowIfNull(help);
        Name = name;
        _header = PrometheusText.RenderHeader(name, help, "histogram");
        _bucketName = name + "_bucket";
        _sumName = name + "_sum";
        _countName = name + "_count";
        _sampleNames = [_bucketName, _sumName, _countName];
        _upperBounds = ValidateBuckets(buckets);
        _lePairs = new string[_upperBounds.Length + 1];
        for (int i = 0; i < _upperBounds.Length; i++)
        {
            _lePairs[i] = $"le=\"{PrometheusText.FormatDouble(_upperBounds[i])}\"";
        }

        _lePairs[^1] = "le=\"+Inf\"";

        double[] bounds = _upperBounds;
        _children = new ChildSet<HistogramChild>(
            name,
            MetricNames.ValidateLabelNames(labelNames, reserved: "le"),
            pairs => new HistogramChild(pairs, bounds));

        // A metric without labels has exactly one series, present (empty) from the start.
        _unlabeled = _children.LabelCount == 0 ? _children.Get([]) : null;
    }

    public string Name { get; }

    IReadOnlyList<string> IMetricFamily.SampleNames => _sampleNames;

    /// <summary>The series for these label values (in label-name order), created on first use; same values, same child.</summary>
    public HistogramChild WithLabels(params string[] values) => _children.Get(values);

    /// <summary>Each series with its label values.</summary>
    public IEnumerable<(IReadOnlyList<string> Labels, HistogramChild Series)> Series() => _children.Entries.Select(e => ((IReadOnlyList<string>)e.Key, e.Value));

    /// <summary>Drops the series for these label values (e.g. an endpoint gone after a reload). False when there was none.</summary>
    public bool RemoveLabels(params string[] values) => _children.Remove(values);

    /// <summary>Records into the only series of a histogram without labels.</summary>
    public void Observe(double v) => Unlabeled.Observe(v);

    void IMetricFamily.WriteTo(TextWriter writer)
    {
        HistogramChild[] children = _children.Snapshot;
        if (children.Length == 0)
        {
            return;
        }

        writer.Write(_header);
        foreach (HistogramChild child in children)
        {
            string pairs = child.LabelPairs;
            long cumulative = 0;
            for (int i = 0; i < _lePairs.Length; i++)
            {
                cumulative += child.ReadBucket(i);
                writer.Write(_bucketName);
                writer.Write('{');
                if (pairs.Length != 0)
                {
                    writer.Write(pairs);
                    writer.Write(',');
                }

                writer.Write(_lePairs[i]);
                writer.Write("} ");
                PrometheusText.WriteLong(writer, cumulative);
                writer.Write('\n');
            }

            // _count is the +Inf bucket as read above, so the two always agree within a scrape; _sum may run a
            // concurrent observation ahead, which Prometheus tolerates.
            PrometheusText.WriteSeriesStart(writer, _sumName, pairs);
            PrometheusText.WriteDouble(writer, child.Sum);
            writer.Write('\n');
            PrometheusText.WriteSeriesStart(writer, _countName, pairs);
            PrometheusText.WriteLong(writer, cumulative);
            writer.Write('\n');
        }
    }

    /// <summary>Copies the bounds, dropping a trailing +Inf (always implied); they must be strictly increasing and not NaN.</summary>
    private static double[] ValidateBuckets(double[] buckets)
    {
        ArgumentNullException.ThrowIfNull(buckets);
        int length = buckets.Length > 0 && double.IsPositiveInfinity(buckets[^1]) ? buckets.Length - 1 : buckets.Length;
        var bounds = new double[length];
        for (int i = 0; i < length; i++)
        {
            double bound = buckets[i];
            if (double.IsNaN(bound) || double.IsPositiveInfinity(bound) || (i > 0 && !(bound > bounds[i - 1])))
            {
                throw new ArgumentException("Histogram bucket bounds must be strictly increasing numbers (+Inf is implied).", nameof(buckets));
            }

            bounds[i] = bound;
        }

        return bounds;
    }

    private HistogramChild Unlabeled =>
        _unlabeled ?? throw new InvalidOperationException($"Histogram '{Name}' has labels; use WithLabels(...) to pick a series.");
}
