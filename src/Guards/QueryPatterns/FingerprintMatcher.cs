namespace Guard.Guards.QueryPatterns;

/// <summary>
/// In-memory reference index of past fingerprints (hash → ids of the queries that had it), bounded to the most recent
/// <see cref="Capacity"/> queries. It answers "how many hashes does this query share with its closest earlier query", which
/// is the Blacklight detection rule; the tests and the calibration tool use it, and the production index (shared across
/// replicas) is expected to keep the same semantics on the state store.
/// </summary>
/// <remarks>Not thread-safe: one caller at a time. Memory is O(Capacity·TopS).</remarks>
public sealed class FingerprintMatcher
{
    private readonly Dictionary<ulong, List<long>> _postings = [];
    private readonly Queue<(long Id, ulong[] Hashes)> _history = new();
    private readonly Dictionary<long, int> _counts = [];
    private long _nextId;

    /// <summary>Creates an empty index that remembers at most <paramref name="capacity"/> queries and flags a query sharing
    /// at least <paramref name="threshold"/> hashes with one of them.</summary>
    public FingerprintMatcher(int capacity, int threshold)
    {
        ArgumentOutOfRangeException.ThrowIfLessThan(capacity, 1);
        ArgumentOutOfRangeException.ThrowIfLessThan(threshold, 1);
        Capacity = capacity;
        Threshold = threshold;
    }

    /// <summary>Most queries remembered; the oldest is forgotten first.</summary>
    public int Capacity { get; }

    /// <summary>Shared-hash count at which a query is flagged.</summary>
    public int Threshold { get; }

    /// <summary>Queries currently remembered.</summary>
    public int Count => _history.Count;

    /// <summary>Finds the earlier query sharing the most hashes with <paramref name="fingerprint"/> without remembering it.</summary>
    public FingerprintMatch Match(ReadOnlySpan<ulong> fingerprint)
    {
        _counts.Clear();
        long bestId = -1;
        int best = 0;
        foreach (ulong hash in fingerprint)
        {
            if (!_postings.TryGetValue(hash, out var ids))
            {
                continue;
            }

            foreach (long id in ids)
            {
                _counts.TryGetValue(id, out int c);
                _counts[id] = ++c;
                if (c > best || (c == best && id > bestId))
                {
                    best = c;
                    bestId = id;
                }
            }
        }

        return new FingerprintMatch(-1, best > 0 ? bestId : -1, best, best >= Threshold);
    }

    /// <summary>Matches <paramref name="fingerprint"/> against earlier queries, then remembers it (evicting the oldest if
    /// full). Duplicate hashes within one fingerprint are counted once.</summary>
    /// <returns>The match, with <see cref="FingerprintMatch.QueryId"/> set to the id given to this query.</returns>
    public FingerprintMatch MatchAndAdd(ReadOnlySpan<ulong> fingerprint)
    {
        var match = Match(fingerprint);
        long id = Add(fingerprint);
        return match with { QueryId = id };
    }

    /// <summary>Remembers a fingerprint and returns its id (ids increase from 0).</summary>
    public long Add(ReadOnlySpan<ulong> fingerprint)
    {
        if (_history.Count == Capacity)
        {
            Evict();
        }

        long id = _nextId++;
        var hashes = fingerprint.ToArray();
        Array.Sort(hashes);
        int distinct = 0;
        for (int i = 0; i < hashes.Length; i++)
        {
            if (i > 0 && hashes[i] == hashes[i - 1])
            {
                continue;
            }

            hashes[distinct++] = hashes[i];
            if (!_postings.TryGetValue(hashes[i], out var ids))
            {
                ids = [];
                _postings[hashes[i]] = ids;
            }

            ids.Add(id);
        }

        _history.Enqueue((id, hashes[..distinct]));
        return id;
    }

    private void Evict()
    {
        var (id, hashes) = _history.Dequeue();
        foreach (ulong hash in hashes)
        {
            var ids = _postings[hash];

            // Ids are appended in increasing order and evicted oldest first, so the evicted id is at the front.
            if (ids.Count == 1)
            {
                _postings.Remove(hash);
            }
            else
            {
                ids.Remove(id);
            }
        }
    }
}

/// <summary>Outcome of matching one fingerprint against the index.</summary>
/// <param name="QueryId">Id given to the matched query by <see cref="FingerprintMatcher.MatchAndAdd"/>; -1 from
/// <see cref="FingerprintMatcher.Match"/>.</param>
/// <param name="BestMatchId">The earlier query sharing the most hashes (the most recent on ties); -1 when none shares any.</param>
/// <param name="SharedHashes">How many hashes it shares.</param>
/// <param name="Flagged">Whether <paramref name="SharedHashes"/> reaches the matcher's threshold.</param>
public readonly record struct FingerprintMatch(long QueryId, long BestMatchId, int SharedHashes, bool Flagged);
