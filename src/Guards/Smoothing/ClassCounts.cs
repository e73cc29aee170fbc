namespace Guard.Guards.Smoothing;

/// <summary>How often the base classifier returned each class over the noisy samples drawn so far.</summary>
internal sealed class ClassCounts
{
    private readonly long[] _counts;

    public ClassCounts(int classes) => _counts = new long[classes];

    public long this[int label] => _counts[label];

    public long Total { get; private set; }

    /// <summary>Adds one batch of top-1 labels; a label outside [0, classes) is the base classifier's bug.</summary>
    public void Add(ReadOnlySpan<int> labels)
    {
        foreach (var label in labels)
        {
            if ((uint)label >= (uint)_counts.Length)
            {
                throw new InvalidOperationException($"The base classifier returned class {label}, outside [0, {_counts.Length}).");
            }
            _counts[label]++;
        }
        Total += labels.Length;
    }

    /// <summary>The most and second most frequent classes (ties: the lower index first).</summary>
    public (int First, int Second) TopTwo()
    {
        int first = 0, second = -1;
        for (var c = 1; c < _counts.Length; c++)
        {
            if (_counts[c] > _counts[first])
            {
                second = first;
                first = c;
            }
            else if (second < 0 || _counts[c] > _counts[second])
            {
                second = c;
            }
        }
        return (first, second);
    }
}
