namespace Guard.Guards.QueryPatterns;

/// <summary>
/// Keeps the largest distinct values seen so far in a caller-provided buffer, as a binary min-heap: a new value costs one
/// comparison with the smallest kept value unless it beats it, so selecting the top S of N window hashes is O(N + k·S)
/// where k (the number of replacements) is about S·ln(N/S) for random hashes. Duplicates are dropped because repeated
/// windows (flat regions) would otherwise fill the fingerprint with one value.
/// </summary>
internal ref struct TopSelector
{
    private readonly Span<ulong> _heap;
    private int _count;

    /// <summary>Selects up to <c>buffer.Length</c> values into <paramref name="buffer"/>.</summary>
    public TopSelector(Span<ulong> buffer)
    {
        _heap = buffer;
        _count = 0;
    }

    /// <summary>Number of values kept so far.</summary>
    public readonly int Count => _count;

    /// <summary>Considers one value.</summary>
    public void Offer(ulong value)
    {
        if (_count == _heap.Length)
        {
            if (value <= _heap[0] || Contains(value))
            {
                return;
            }

            _heap[0] = value;
            SiftDown(0);
            return;
        }

        if (Contains(value))
        {
            return;
        }

        int i = _count++;
        _heap[i] = value;
        while (i > 0)
        {
            int parent = (i - 1) >> 1;
            if (_heap[parent] <= _heap[i])
            {
                break;
            }

            (_heap[parent], _heap[i]) = (_heap[i], _heap[parent]);
            i = parent;
        }
    }

    /// <summary>Sorts the kept values largest first in place (the heap is consumed) and returns how many there are.</summary>
    public readonly int SortDescending()
    {
        var kept = _heap[.._count];
        kept.Sort();
        kept.Reverse();
        return _count;
    }

    private readonly bool Contains(ulong value) => _heap[.._count].Contains(value);

    private readonly void SiftDown(int i)
    {
        int n = _count;
        while (true)
        {
            int left = (2 * i) + 1;
            if (left >= n)
            {
                return;
            }

            int smallest = left + 1 < n && _heap[left + 1] < _heap[left] ? left + 1 : left;
            if (_heap[i] <= _heap[smallest])
            {
                return;
            }

            (_heap[i], _heap[smallest]) = (_heap[smallest], _heap[i]);
            i = smallest;
        }
    }
}
