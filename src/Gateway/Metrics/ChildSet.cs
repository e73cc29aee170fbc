using System.Collections.Concurrent;

namespace Guard.Gateway.Metrics;

/// <summary>
/// The series of one metric family, one per distinct set of label values. Lookups are lock-free; creating or removing
/// a series takes a lock (rare: first sight of a label set, or a config reload) and republishes an array in creation
/// order, so a scrape reads a consistent snapshot without locking.
/// </summary>
internal sealed class ChildSet<TChild>
    where TChild : class
{
    private readonly string _metricName;
    private readonly string[] _labelNames;
    private readonly Func<string, TChild> _create;
    private readonly ConcurrentDictionary<string[], TChild> _children = new(LabelValuesComparer.Instance);
    private readonly Lock _writeLock = new();
    private TChild[] _ordered = [];

    /// <param name="create">Builds a series from its rendered label pairs (<c>a="x",b="y"</c>).</param>
    public ChildSet(string metricName, string[] labelNames, Func<string, TChild> create)
    {
        _metricName = metricName;
        _labelNames = labelNames;
        _create = create;
    }

    public int LabelCount => _labelNames.Length;

    /// <summary>The series in creation order; never mutated after publication.</summary>
    public TChild[] Snapshot => Volatile.Read(ref _ordered);

    /// <summary>Every series with its label values (in label-name order), for readers other than the scrape.</summary>
    public IEnumerable<KeyValuePair<string[], TChild>> Entries => _children;

    public TChild Get(string[] values)
    {
        CheckCount(values);
        return _children.TryGetValue(values, out TChild? child) ? child : Add(values);
    }

    public bool Remove(string[] values)
    {
        if (_labelNames.Length == 0)
        {
            // The one series of an unlabeled metric is held by the family; removing it would orphan every update.
            throw new InvalidOperationException($"Metric '{_metricName}' has no labels; there is no series to remove.");
        }

        CheckCount(values);
        lock (_writeLock)
        {
            if (!_children.TryRemove(values, out TChild? removed))
            {
                return false;
            }

            TChild[] current = _ordered;
            var next = new TChild[current.Length - 1];
            int n = 0;
            foreach (TChild child in current)
            {
                if (!ReferenceEquals(child, removed))
                {
                    next[n++] = child;
                }
            }

            Volatile.Write(ref _ordered, next);
            return true;
        }
    }

    private TChild Add(string[] values)
    {
        foreach (string value in values)
        {
            if (value is null)
            {
                throw new ArgumentException($"Label values of metric '{_metricName}' must not be null.", nameof(values));
            }
        }

        lock (_writeLock)
        {
            if (_children.TryGetValue(values, out TChild? existing))
            {
                return existing;
            }

            // Copy: the caller owns (and may reuse) the params array.
            var key = (string[])values.Clone();
            TChild child = _create(PrometheusText.RenderLabelPairs(_labelNames, key));
            _children[key] = child;
            Volatile.Write(ref _ordered, [.. _ordered, child]);
            return child;
        }
    }

    private void CheckCount(string[] values)
    {
        ArgumentNullException.ThrowIfNull(values);
        if (values.Length != _labelNames.Length)
        {
            throw new ArgumentException(
                $"Metric '{_metricName}' has {_labelNames.Length} label(s) ({string.Join(", ", _labelNames)}) but {values.Length} value(s) were given.",
                nameof(values));
        }
    }
}
