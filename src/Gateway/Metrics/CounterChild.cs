namespace Guard.Gateway.Metrics;

/// <summary>One counter series. Cache it where the label values are known up front: <see cref="Inc"/> allocates nothing.</summary>
public sealed class CounterChild
{
    private long _valueBits;

    internal CounterChild(string labelPairs)
    {
        LabelPairs = labelPairs;
    }

    public double Value => AtomicDouble.Read(ref _valueBits);

    internal string LabelPairs { get; }

    /// <summary>Adds <paramref name="v"/>; counters only go up, so a negative or NaN amount throws.</summary>
    public void Inc(double v = 1)
    {
        if (!(v >= 0))
        {
            throw new ArgumentOutOfRangeException(nameof(v), v, "A counter can only be increased by a non-negative amount.");
        }

        AtomicDouble.Add(ref _valueBits, v);
    }
}
