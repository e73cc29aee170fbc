namespace Guard.Gateway.Metrics;

/// <summary>One gauge series. Cache it where the label values are known up front: updates allocate nothing.</summary>
public sealed class GaugeChild
{
    private long _valueBits;

    internal GaugeChild(string labelPairs)
    {
        LabelPairs = labelPairs;
    }

    public double Value => AtomicDouble.Read(ref _valueBits);

    internal string LabelPairs { get; }

    public void Set(double v) => AtomicDouble.Write(ref _valueBits, v);

    public void Inc(double v = 1) => AtomicDouble.Add(ref _valueBits, v);

    public void Dec(double v = 1) => AtomicDouble.Add(ref _valueBits, -v);
}
