namespace Guard.Redis.Cluster;

/// <summary>
/// Which master serves each of the 16384 slots, as last learned from CLUSTER SLOTS and corrected slot by slot by
/// MOVED redirects. Reads are lock-free; a full refresh builds a new map and swaps it in.
/// </summary>
internal sealed class ClusterSlotMap
{
    private readonly RedisEndPoint?[] _owners = new RedisEndPoint?[HashSlot.Count];

    /// <summary>The master serving <paramref name="slot"/>; null when unknown.</summary>
    public RedisEndPoint? this[int slot] => Volatile.Read(ref _owners[slot]);

    public bool IsEmpty { get; private set; } = true;

    /// <summary>A MOVED redirect named the slot's new owner.</summary>
    public void Set(int slot, RedisEndPoint owner)
    {
        Volatile.Write(ref _owners[slot], owner);
        IsEmpty = false;
    }

    /// <summary>Every distinct master in the map.</summary>
    public IReadOnlyCollection<RedisEndPoint> Masters()
    {
        var masters = new HashSet<RedisEndPoint>();
        foreach (var owner in _owners)
        {
            if (owner is not null)
            {
                masters.Add(owner);
            }
        }

        return masters;
    }

    /// <summary>
    /// Builds a map from a CLUSTER SLOTS reply: [[start, end, [host, port, id, ...], replica...], ...]. An empty
    /// or "?" host means "the address you reached me on", which is <paramref name="askedHost"/>.
    /// </summary>
    /// <exception cref="InvalidDataException">The reply does not have that shape.</exception>
    public static ClusterSlotMap FromClusterSlots(RedisReply reply, string askedHost)
    {
        if (reply.Kind != RedisReplyKind.Array)
        {
            throw new InvalidDataException($"CLUSTER SLOTS answered a {reply.Kind}, not an array.");
        }

        var map = new ClusterSlotMap();
        var owners = new Dictionary<RedisEndPoint, RedisEndPoint>();
        foreach (var range in reply.Items)
        {
            if (range.Items.Count < 3 || range.Items[2].Items.Count < 2)
            {
                throw new InvalidDataException("CLUSTER SLOTS returned a malformed slot range.");
            }

            var start = (int)range.Items[0].AsInt64();
            var end = (int)range.Items[1].AsInt64();
            var master = range.Items[2];
            var host = master.Items[0].AsString();
            if (string.IsNullOrEmpty(host) || host == "?")
            {
                host = askedHost;
            }

            var endPoint = new RedisEndPoint(host, (int)master.Items[1].AsInt64());

            // One instance per node keeps the map small and makes Masters() cheap.
            if (!owners.TryGetValue(endPoint, out var shared))
            {
                owners[endPoint] = shared = endPoint;
            }

            if (start < 0 || end >= HashSlot.Count || start > end)
            {
                throw new InvalidDataException($"CLUSTER SLOTS returned an invalid range {start}-{end}.");
            }

            for (var slot = start; slot <= end; slot++)
            {
                map._owners[slot] = shared;
            }

            map.IsEmpty = false;
        }

        return map;
    }
}
