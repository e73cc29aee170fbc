namespace Guard.State.Fingerprints;

/// <summary>
/// The index in this process: per scope, hash → the most recent query ids, with a last-seen time for the lifetime
/// rule, bounded to <see cref="MaxHashes"/> hashes per scope (the least recently seen go first).
/// </summary>
public sealed class EmbeddedFingerprintIndex(TimeProvider time, int maxHashes = 1_000_000) : IFingerprintIndex
{
    private readonly Dictionary<string, ScopeIndex> _scopes = new(StringComparer.Ordinal);
    private readonly Lock _lock = new();

    public int MaxHashes { get; } = maxHashes > 0 ? maxHashes : throw new ArgumentOutOfRangeException(nameof(maxHashes));

    public ValueTask<FingerprintLookup> MatchAndAddAsync(string scope, string queryId, ReadOnlyMemory<ulong> hashes, int idsPerHash, TimeSpan lifetime, CancellationToken cancellationToken = default)
    {
        ArgumentException.ThrowIfNullOrEmpty(scope);
        ArgumentException.ThrowIfNullOrEmpty(queryId);
        ArgumentOutOfRangeException.ThrowIfLessThan(idsPerHash, 1);
        ArgumentOutOfRangeException.ThrowIfLessThanOrEqual(lifetime, TimeSpan.Zero);
        cancellationToken.ThrowIfCancellationRequested();
        var now = time.GetUtcNow();
        lock (_lock)
        {
            if (!_scopes.TryGetValue(scope, out var index))
            {
                index = new ScopeIndex();
                _scopes[scope] = index;
            }

            var lookup = index.MatchAndAdd(queryId, hashes.Span, idsPerHash, now, now - lifetime);
            index.Trim(MaxHashes, now - lifetime);
            return ValueTask.FromResult(lookup);
        }
    }

    private sealed class ScopeIndex
    {
        private readonly Dictionary<ulong, Posting> _postings = [];
        private readonly Dictionary<string, int> _counts = new(StringComparer.Ordinal);

        public FingerprintLookup MatchAndAdd(string queryId, ReadOnlySpan<ulong> hashes, int idsPerHash, DateTimeOffset now, DateTimeOffset expiredBefore)
        {
            _counts.Clear();
            string? best = null;
            var bestCount = 0;
            foreach (var hash in hashes)
            {
                if (!_postings.TryGetValue(hash, out var posting) || posting.LastSeen < expiredBefore)
                {
                    continue;
                }

                foreach (var id in posting.Ids)
                {
                    var count = _counts.TryGetValue(id, out var c) ? c + 1 : 1;
                    _counts[id] = count;
                    if (count > bestCount)
                    {
                        bestCount = count;
                        best = id;
                    }
                }
            }

            foreach (var hash in hashes)
            {
                if (!_postings.TryGetValue(hash, out var posting) || posting.LastSeen < expiredBefore)
                {
                    posting = new Posting();
                    _postings[hash] = posting;
                }

                posting.Add(queryId, idsPerHash, now);
            }

            return new FingerprintLookup(best, bestCount);
        }

        public void Trim(int maxHashes, DateTimeOffset expiredBefore)
        {
            if (_postings.Count <= maxHashes)
            {
                return;
            }

            // Over the bound: drop expired postings, then the least recently seen down to 90 %.
            var victims = _postings.Where(p => p.Value.LastSeen < expiredBefore).Select(p => p.Key).ToList();
            foreach (var hash in victims)
            {
                _postings.Remove(hash);
            }
            var excess = _postings.Count - (maxHashes * 9 / 10);
            if (excess > 0)
            {
                foreach (var hash in _postings.OrderBy(p => p.Value.LastSeen).Take(excess).Select(p => p.Key).ToList())
                {
                    _postings.Remove(hash);
                }
            }
        }
    }

    /// <summary>The most recent ids under one hash, newest first (as the Redis list is).</summary>
    private sealed class Posting
    {
        public List<string> Ids { get; } = new(4);

        public DateTimeOffset LastSeen { get; private set; }

        public void Add(string id, int max, DateTimeOffset now)
        {
            Ids.Insert(0, id);
            if (Ids.Count > max)
            {
                Ids.RemoveRange(max, Ids.Count - max);
            }
            LastSeen = now;
        }
    }
}
