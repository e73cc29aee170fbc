namespace Guard.Gateway.Metrics;

/// <summary>A value that goes up and down, exposed as a Prometheus <c>gauge</c>.</summary>
public sealed class Gauge : IMetricFamily
{
    private readonly string _header;
    private readonly string[] _sampleNames;
    private readonly ChildSet<GaugeChild> _children;
    private readonly GaugeChild? _unlabeled;

    internal Gauge(string name, string help, string[] labelNames)
    {
        MetricNames.ValidateMetricName(name);
        ArgumentNullException.ThrowIfNull(help);
        Name = name;
        _header = PrometheusText.RenderHeader(name, help, "gauge");
        _sampleNames = [name];
        _children = new ChildSet<GaugeChild>(name, MetricNames.ValidateLabelNames(labelNames), static pairs => new GaugeChild(pairs));

        // A metric without labels has exactly one series, present (at 0) from the start.
        _unlabeled = _children.LabelCount == 0 ? _children.Get([]) : null;
    }

    public string Name { get; }

    /// <summary>The value of the only series of a gauge without labels.</summary>
    public double Value => Unlabeled.Value;

    IReadOnlyList<string> IMetricFamily.SampleNames => _sampleNames;

    /// <summary>The series for these label values (in label-name order), created on first use; same values, same child.</summary>
    public GaugeChild WithLabels(params string[] values) => _children.Get(values);

    /// <summary>Drops the series for these label values (e.g. an endpoint gone after a reload). False when there was none.</summary>
    public bool RemoveLabels(params string[] values) => _children.Remove(values);

    public void Set(double v) => Unlabeled.Set(v);

    public void Inc(double v = 1) => Unlabeled.Inc(v);

    public void Dec(double v = 1) => Unlabeled.Dec(v);

    void IMetricFamily.WriteTo(TextWriter writer)
    {
        GaugeChild[] children = _children.Snapshot;
        if (children.Length == 0)
        {
            return;
        }

        writer.Write(_header);
        foreach (GaugeChild child in children)
        {
            PrometheusText.WriteSeriesStart(writer, Name, child.LabelPairs);
            PrometheusText.WriteDouble(writer, child.Value);
            writer.Write('\n');
        }
    }

    private GaugeChild Unlabeled =>
        _unlabeled ?? throw new InvalidOperationException($"Gauge '{Name}' has labels; use WithLabels(...) to pick a series.");
}
