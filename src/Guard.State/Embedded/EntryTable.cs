using System.Diagnostics;

namespace Guard.State.Embedded;

/// <summary>
/// The embedded store's memory: a fixed number of shards, each a dictionary behind its own lock. Callers lock the
/// shards of every key an operation touches (<see cref="Lock(IReadOnlyList{string})"/>, always in shard order so two
/// operations cannot deadlock), read and write, unlock, then call <see cref="Trim"/>, which keeps the table within
/// its bound: expired entries first, then the least recently used, bans and list entries last.
/// </summary>
internal sealed class EntryTable
{
    /// <summary>64, so that a set of shards fits one <c>ulong</c>.</summary>
    private const int ShardCount = 64;

    private readonly Shard[] _shards;
    private readonly int _maxEntries;
    private readonly Lock _trimGate = new();
    private long _count;
    private long _useClock;

    public EntryTable(int maxEntries)
    {
        ArgumentOutOfRangeException.ThrowIfLessThan(maxEntries, 10);
        _maxEntries = maxEntries;
        _shards = new Shard[ShardCount];
        for (var i = 0; i < _shards.Length; i++)
        {
            _shards[i] = new Shard();
        }
    }

    public int Count => (int)Volatile.Read(ref _count);

    /// <summary>Locks the shards of <paramref name="keys"/> until the result is disposed.</summary>
    public HeldShards Lock(IReadOnlyList<string> keys)
    {
        var mask = 0UL;
        foreach (var key in keys)
        {
            mask |= 1UL << ShardOf(key);
        }
        return new HeldShards(this, mask);
    }

    /// <summary>Locks the shard of one key until the result is disposed.</summary>
    public HeldShards Lock(string key) => new(this, 1UL << ShardOf(key));

    /// <summary>The live entry at <paramref name="key"/>, marked as used; an expired one is removed and reads as
    /// missing. The key's shard must be locked.</summary>
    public Entry? Find(string key, long nowUs)
    {
        var shard = ShardFor(key);
        if (!shard.Entries.TryGetValue(key, out var entry))
        {
            return null;
        }
        if (entry.IsExpired(nowUs))
        {
            shard.Entries.Remove(key);
            Interlocked.Decrement(ref _count);
            return null;
        }
        entry.LastUse = Interlocked.Increment(ref _useClock);
        return entry;
    }

    /// <summary>Stores a value, replacing what was there. The key's shard must be locked.</summary>
    public void Put(string key, object value, long expiresAtUs)
    {
        var shard = ShardFor(key);
        if (shard.Entries.TryGetValue(key, out var entry))
        {
            entry.Value = value;
            entry.ExpiresAtUs = expiresAtUs;
        }
        else
        {
            entry = new Entry(value, expiresAtUs);
            shard.Entries.Add(key, entry);
            Interlocked.Increment(ref _count);
        }
        entry.LastUse = Interlocked.Increment(ref _useClock);
    }

    /// <summary>Removes a key; false if it was missing or expired. The key's shard must be locked.</summary>
    public bool Remove(string key, long nowUs)
    {
        var shard = ShardFor(key);
        if (!shard.Entries.Remove(key, out var entry))
        {
            return false;
        }
        Interlocked.Decrement(ref _count);
        return !entry.IsExpired(nowUs);
    }

    /// <summary>Visits every live entry, a shard at a time under its lock, until <paramref name="visit"/> returns false.</summary>
    public void Scan(long nowUs, Func<string, Entry, bool> visit)
    {
        foreach (var shard in _shards)
        {
            using (shard.Gate.EnterScope())
            {
                foreach (var (key, entry) in shard.Entries)
                {
                    if (!entry.IsExpired(nowUs) && !visit(key, entry))
                    {
                        return;
                    }
                }
            }
        }
    }

    /// <summary>
    /// When over the bound, removes entries down to 90 % of it: expired ones first, then the least recently used
    /// (bans and list entries last). Sweeping in one go, rather than an entry per insert, keeps the cost per insert
    /// logarithmic on average. Must be called with no shard locked.
    /// </summary>
    public void Trim(long nowUs)
    {
        if (Count <= _maxEntries)
        {
            return;
        }
        using (_trimGate.EnterScope())
        {
            if (Count <= _maxEntries)
            {
                return;
            }
            var target = _maxEntries - (_maxEntries / 10);
            RemoveExpired(nowUs);
            if (Count > target)
            {
                RemoveLeastRecentlyUsed(Count - target);
            }
        }
    }

    private void RemoveExpired(long nowUs)
    {
        foreach (var shard in _shards)
        {
            using (shard.Gate.EnterScope())
            {
                foreach (var (key, entry) in shard.Entries)
                {
                    if (entry.IsExpired(nowUs))
                    {
                        shard.Entries.Remove(key); // allowed while enumerating since .NET Core 3.0
                        Interlocked.Decrement(ref _count);
                    }
                }
            }
        }
    }

    private void RemoveLeastRecentlyUsed(int howMany)
    {
        var candidates = new List<Candidate>(Count);
        foreach (var shard in _shards)
        {
            using (shard.Gate.EnterScope())
            {
                foreach (var (key, entry) in shard.Entries)
                {
                    candidates.Add(new Candidate(key, shard, entry.Pinned, entry.LastUse));
                }
            }
        }
        candidates.Sort(static (a, b) => a.Pinned != b.Pinned ? a.Pinned.CompareTo(b.Pinned) : a.LastUse.CompareTo(b.LastUse));
        foreach (var candidate in candidates.Take(howMany))
        {
            using (candidate.Shard.Gate.EnterScope())
            {
                // Used again since it was listed: it is no longer among the least recently used.
                if (candidate.Shard.Entries.TryGetValue(candidate.Key, out var entry) && entry.LastUse == candidate.LastUse)
                {
                    candidate.Shard.Entries.Remove(candidate.Key);
                    Interlocked.Decrement(ref _count);
                }
            }
        }
    }

    private static int ShardOf(string key) => (int)((uint)key.GetHashCode() % ShardCount);

    private Shard ShardFor(string key)
    {
        var shard = _shards[ShardOf(key)];
        Debug.Assert(shard.Gate.IsHeldByCurrentThread, "The key's shard must be locked.");
        return shard;
    }

    private sealed class Shard
    {
        public Lock Gate { get; } = new();

        public Dictionary<string, Entry> Entries { get; } = new(StringComparer.Ordinal);
    }

    private readonly record struct Candidate(string Key, Shard Shard, bool Pinned, long LastUse);

    /// <summary>A set of locked shards, entered in ascending order and exited in reverse.</summary>
    public readonly struct HeldShards : IDisposable
    {
        private readonly EntryTable _table;
        private readonly ulong _mask;

        public HeldShards(EntryTable table, ulong mask)
        {
            _table = table;
            _mask = mask;
            for (var rest = mask; rest != 0; rest &= rest - 1)
            {
                table._shards[System.Numerics.BitOperations.TrailingZeroCount(rest)].Gate.Enter();
            }
        }

        public void Dispose()
        {
            for (var i = ShardCount - 1; i >= 0; i--)
            {
                if ((_mask & (1UL << i)) != 0)
                {
                    _table._shards[i].Gate.Exit();
                }
            }
        }
    }
}
