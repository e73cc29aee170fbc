namespace Guard.State.Fingerprints;

/// <summary>The earlier query that shares the most fingerprint hashes with a new one (none: <see cref="BestQuery"/> is null).</summary>
public sealed record FingerprintLookup(string? BestQuery, int SharedHashes);

/// <summary>
/// The global hash → query index behind query-pattern detection (Blacklight): shared by every client, so Sybil
/// accounts do not escape it, and by every replica using the same backend. One call per query both asks "which earlier
/// query is closest" and records this one, in one round trip.
/// </summary>
public interface IFingerprintIndex
{
    /// <summary>
    /// Counts, over <paramref name="hashes"/>, how many each earlier query of <paramref name="scope"/> (a model) shares,
    /// returns the best, then records <paramref name="queryId"/> under every hash. Each hash remembers its
    /// <paramref name="idsPerHash"/> most recent queries, for at least <paramref name="lifetime"/> after it was last seen
    /// (the index epoch: an attack must fit in it, and benign history ages out). The embedded index forgets a hash exactly
    /// one lifetime after it was last seen; the Redis one resets by epochs and so remembers it one to two lifetimes.
    /// </summary>
    ValueTask<FingerprintLookup> MatchAndAddAsync(string scope, string queryId, ReadOnlyMemory<ulong> hashes, int idsPerHash, TimeSpan lifetime, CancellationToken cancellationToken = default);
}
