namespace Guard.Gateway.Metrics;

/// <summary>A monotonically increasing count, exposed as a Prometheus <c>counter</c>.</summary>
public sealed class Counter : IMetricFamily
{
    private readonly string _header;
    private readonly string[] _sampleNames;
    private readonly ChildSet<CounterChild> _children;
    private readonly CounterChild? _unlabeled;

    internal Counter(string name, string help, string[] labelNames)
    {
        MetricNames.ValidateMetricName(name);
        ArgumentNullException.ThrowIfNull(help);
        Name = name;
        _header = PrometheusText.RenderHeader(name, help, "counter");
        _sampleNames = [name];
        _children = new ChildSet<CounterChild>(name, MetricNames.ValidateLabelNames(labelNames), static pairs => new CounterChild(pairs));

        // A metric without labels has exactly one series, present (at 0) from the start.
        _unlabeled = _children.LabelCount == 0 ? _children.Get([]) : null;
    }

    public string Name { get; }

    IReadOnlyList<string> IMetricFamily.SampleNames => _sampleNames;

    /// <summary>The series for these label values (in label-name order), created on first use; same values, same child.</summary>
    public CounterChild WithLabels(params string[] values) => _children.Get(values);

    /// <summary>Each series' label values and count.</summary>
    public IEnumerable<(IReadOnlyList<string> Labels, double Value)> Values() => _children.Entries.Select(e => ((IReadOnlyList<string>)e.Key, e.Value.Value));

    /// <summary>Drops the series for these label values (e.g. an endpoint gone after a reload). False when there was none.</summary>
    public bool RemoveLabels(params string[] values) => _children.Remove(values);

    /// <summary>Increments the only series of a metric without labels.</summary>
    public void Inc(double v = 1) => Unlabeled.Inc(v);

    void IMetricFamily.WriteTo(TextWriter writer)
    {
        CounterChild[] children = _children.Snapshot;
        if (children.Length == 0)
        {
            return;
        }

        writer.Write(_header);
        foreach (CounterChild child in children)
        {
            PrometheusText.WriteSeriesStart(writer, Name, child.LabelPairs);
            PrometheusText.WriteDouble(writer, child.Value);
            writer.Write('\n');
        }
    }

    private CounterChild Unlabeled =>
        _unlabeled ?? throw new InvalidOperationException($"Counter '{Name}' has labels; use WithLabels(...) to pick a series.");
}
