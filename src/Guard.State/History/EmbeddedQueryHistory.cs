namespace Guard.State.History;

/// <summary>
/// The history in this process: per (scope, client), a ring of the most recent entries. At most
/// <see cref="MaxClients"/> histories are kept; past that the least recently used goes, and histories past their
/// lifetime are dropped as they reach the cold end of the recency list, so memory stays bounded under client churn.
/// </summary>
public sealed class EmbeddedQueryHistory(TimeProvider time, int maxClients = 10_000) : IQueryHistory
{
    // Most recently used first; the dictionary finds a client's node in O(1), the list orders eviction.
    private readonly Dictionary<HistoryKey, LinkedListNode<ClientHistory>> _index = [];
    private readonly LinkedList<ClientHistory> _recency = new();
    private readonly Lock _lock = new();

    public int MaxClients { get; } = maxClients > 0 ? maxClients : throw new ArgumentOutOfRangeException(nameof(maxClients));

    /// <summary>Histories held now (expired ones not yet swept included).</summary>
    public int Count
    {
        get
        {
            lock (_lock)
            {
                return _index.Count;
            }
        }
    }

    public ValueTask<IReadOnlyList<ReadOnlyMemory<byte>>> AppendAndReadAsync(
        string scope, string client, ReadOnlyMemory<byte> entry, int capacity, TimeSpan lifetime, CancellationToken cancellationToken = default)
    {
        QueryHistoryArguments.Validate(scope, client, entry, capacity, lifetime);
        cancellationToken.ThrowIfCancellationRequested();
        var copy = entry.ToArray();
        var now = time.GetUtcNow();
        lock (_lock)
        {
            var key = new HistoryKey(scope, client);
            if (_index.TryGetValue(key, out var node))
            {
                _recency.Remove(node);
                if (node.Value.ExpiresAt <= now)
                {
                    node.Value.Clear();
                }
            }
            else
            {
                node = new LinkedListNode<ClientHistory>(new ClientHistory(key));
                _index[key] = node;
            }

            _recency.AddFirst(node);
            var history = node.Value;
            IReadOnlyList<ReadOnlyMemory<byte>> previous = history.ReadNewestFirst(capacity);
            history.Add(copy, capacity);
            history.ExpiresAt = now + lifetime;
            Sweep(now);
            return ValueTask.FromResult(previous);
        }
    }

    /// <summary>Drops expired histories from the cold end, then the least recently used beyond the bound.</summary>
    private void Sweep(DateTimeOffset now)
    {
        while (_recency.Last is { } last && (last.Value.ExpiresAt <= now || _index.Count > MaxClients))
        {
            _recency.RemoveLast();
            _index.Remove(last.Value.Key);
        }
    }

    private readonly record struct HistoryKey(string Scope, string Client);

    /// <summary>A ring of entries; <see cref="Add"/> resizes it when the caller's capacity changes.</summary>
    private sealed class ClientHistory(HistoryKey key)
    {
        private byte[][] _ring = [];
        private int _next;
        private int _count;

        public HistoryKey Key { get; } = key;

        public DateTimeOffset ExpiresAt { get; set; }

        public void Clear()
        {
            Array.Clear(_ring);
            _next = 0;
            _count = 0;
        }

        public ReadOnlyMemory<byte>[] ReadNewestFirst(int max)
        {
            var count = Math.Min(_count, max);
            if (count == 0)
            {
                return [];
            }

            var entries = new ReadOnlyMemory<byte>[count];
            for (var i = 0; i < count; i++)
            {
                entries[i] = _ring[(_next - 1 - i + _ring.Length) % _ring.Length];
            }

            return entries;
        }

        public void Add(byte[] entry, int capacity)
        {
            if (_ring.Length != capacity)
            {
                Resize(capacity);
            }

            _ring[_next] = entry;
            _next = (_next + 1) % capacity;
            _count = Math.Min(_count + 1, capacity);
        }

        private void Resize(int capacity)
        {
            // Keep the newest entries that fit, oldest at index 0, so the ring continues from _count.
            var keep = Math.Min(_count, capacity);
            var ring = new byte[capacity][];
            for (var i = 0; i < keep; i++)
            {
                ring[keep - 1 - i] = _ring[(_next - 1 - i + _ring.Length) % _ring.Length];
            }

            _ring = ring;
            _count = keep;
            _next = keep % capacity;
        }
    }
}
