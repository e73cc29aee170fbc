namespace Guard.State;

/// <summary>Whose traffic one limit counts.</summary>
public enum LimitScope
{
    /// <summary>One limit per client, across all models.</summary>
    Client,

    /// <summary>One limit per client and model.</summary>
    ClientModel,

    /// <summary>One limit per model, shared by all its clients (in Redis Cluster: a second round trip, see <see cref="Redis.RedisStateStore"/>).</summary>
    Model,
}
