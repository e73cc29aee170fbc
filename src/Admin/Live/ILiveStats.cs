namespace Guard.Admin.Live;

/// <summary>What the live view shows, read from the gateway's own counters at the moment of asking.</summary>
public interface ILiveStats
{
    ValueTask<LiveSnapshot> ReadAsync(CancellationToken cancellationToken);
}

public sealed record LiveSnapshot(
    DateTimeOffset TimeUtc,
    long Generation,
    long PolicyVersion,
    LiveRequests Requests,
    LiveBlocks Blocks,
    IReadOnlyList<LiveStage> Stages,
    IReadOnlyList<LiveUpstream> Upstreams,
    LiveState State);

public sealed record LiveRequests(long Total, double PerSecond);

/// <param name="ByGuard">Requests refused, by the stage that refused them.</param>
/// <param name="FlaggedByGuard">Requests answered but flagged, by stage.</param>
public sealed record LiveBlocks(long Total, IReadOnlyDictionary<string, long> ByGuard, IReadOnlyDictionary<string, long> FlaggedByGuard);

public sealed record LiveStage(string Stage, long Count, double P50Ms, double P95Ms);

public sealed record LiveUpstream(string Name, IReadOnlyList<LiveEndpoint> Endpoints);

public sealed record LiveEndpoint(string Address, bool Healthy, int Outstanding);

public sealed record LiveState(string Backend, bool Healthy, bool Degraded, string? Breaker, double? PingMs, string? Error);
