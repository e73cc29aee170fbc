using Guard.Redis;

namespace Guard.State;

/// <summary>Where client state lives. Bound from configuration (section <c>state</c>).</summary>
public sealed class StateOptions
{
    public StateBackend Backend { get; set; } = StateBackend.Embedded;

    public EmbeddedStateOptions Embedded { get; set; } = new();

    /// <summary>Used when <see cref="Backend"/> is <see cref="StateBackend.Redis"/>; <see cref="RedisOptions.Cluster"/>
    /// also decides the key layout's round trips (see <see cref="Redis.RedisStateStore"/>).</summary>
    public RedisOptions Redis { get; set; } = new();

    /// <summary>Put in front of every key, so that several deployments can share one Redis. Must not contain braces.</summary>
    public string KeyPrefix { get; set; } = "guard:";

    public BreakerOptions Breaker { get; set; } = new();
}

public enum StateBackend
{
    /// <summary>In this process only (<see cref="Embedded.EmbeddedStateStore"/>): limits are per process.</summary>
    Embedded,

    /// <summary>Shared by every process using the same Redis (<see cref="Redis.RedisStateStore"/> behind
    /// <see cref="Resilience.ResilientStateStore"/>).</summary>
    Redis,
}

public sealed class EmbeddedStateOptions
{
    /// <summary>Entries kept at most (each bucket, quota, ban, list entry and value is one); beyond it, expired entries
    /// go first, then the least recently used.</summary>
    public int MaxEntries { get; set; } = 100_000;
}

/// <summary>The circuit breaker in front of Redis.</summary>
public sealed class BreakerOptions
{
    /// <summary>Consecutive failed calls (unreachable, timed out) that open the breaker.</summary>
    public int FailureThreshold { get; set; } = 3;

    /// <summary>How long an open breaker answers without trying Redis before letting one call probe it.</summary>
    public TimeSpan OpenDuration { get; set; } = TimeSpan.FromSeconds(5);

    /// <summary>What <see cref="IStateStore.IncrementAsync"/>, get, set and delete do while Redis is unavailable
    /// (admissions carry their own mode; bans and lists always fail closed).</summary>
    public StateFailureMode ValueFailureMode { get; set; } = StateFailureMode.FailOpen;
}
