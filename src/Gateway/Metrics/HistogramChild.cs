namespace Guard.Gateway.Metrics;

/// <summary>
/// One histogram series. Keeps a non-cumulative count per bucket (one interlocked increment per observation) and
/// accumulates them only when scraped. Cache it where the label values are known up front: observing allocates nothing.
/// </summary>
public sealed class HistogramChild
{
    private readonly double[] _upperBounds;

    // One slot per finite upper bound plus a last one for +Inf.
    private readonly long[] _bucketCounts;
    private long _sumBits;

    internal HistogramChild(string labelPairs, double[] upperBounds)
    {
        LabelPairs = labelPairs;
        _upperBounds = upperBounds;
        _bucketCounts = new long[upperBounds.Length + 1];
    }

    /// <summary>Observations so far (the sum of all buckets).</summary>
    public long Count
    {
        get
        {
            long total = 0;
            for (int i = 0; i < _bucketCounts.Length; i++)
            {
                total += Volatile.Read(ref _bucketCounts[i]);
            }

            return total;
        }
    }

    public double Sum => AtomicDouble.Read(ref _sumBits);

    internal string LabelPairs { get; }

    public void Observe(double v)
    {
        Interlocked.Increment(ref _bucketCounts[BucketIndex(v)]);
        AtomicDouble.Add(ref _sumBits, v);
    }

    internal long ReadBucket(int index) => Volatile.Read(ref _bucketCounts[index]);

    /// <summary>
    /// The <paramref name="q"/> quantile estimated from the buckets as Prometheus' histogram_quantile does: linear within
    /// the bucket it falls in; the last finite bound when it falls past them; 0 without observations.
    /// </summary>
    public double Quantile(double q)
    {
        var counts = new long[_bucketCounts.Length];
        long total = 0;
        for (var i = 0; i < counts.Length; i++)
        {
            counts[i] = ReadBucket(i);
            total += counts[i];
        }

        if (total == 0)
        {
            return 0;
        }

        var rank = q * total;
        long below = 0;
        for (var i = 0; i < _upperBounds.Length; i++)
        {
            if (below + counts[i] >= rank)
            {
                var lower = i == 0 ? 0 : _upperBounds[i - 1];
                return counts[i] == 0 ? lower : lower + ((_upperBounds[i] - lower) * (rank - below) / counts[i]);
            }

            below += counts[i];
        }

        return _upperBounds[^1];
    }

    /// <summary>First bucket whose upper bound is &gt;= v (bounds are inclusive); NaN and values past the last bound go to +Inf.</summary>
    private int BucketIndex(double v)
    {
        double[] bounds = _upperBounds;
        int lo = 0;
        int hi = bounds.Length;
        while (lo < hi)
        {
            int mid = (lo + hi) >>> 1;
            if (v <= bounds[mid])
            {
                hi = mid;
            }
            else
            {
                lo = mid + 1;
            }
        }

        return lo;
    }
}
