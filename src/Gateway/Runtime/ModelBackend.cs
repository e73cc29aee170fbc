using Guard.Gateway.Embedded;
using Guard.Gateway.Upstreams;

namespace Guard.Gateway.Runtime;

/// <summary>Where a route's calls are served: an upstream cluster over gRPC, or the embedded model host in-process.</summary>
public abstract class ModelBackend
{
    public abstract string Name { get; }

    /// <summary>Whether calls for <paramref name="model"/> can be served now (for readiness).</summary>
    public abstract bool IsReady(string model);
}

/// <summary>Calls go to an upstream cluster, bytes untouched.</summary>
public sealed class UpstreamBackend(UpstreamCluster cluster) : ModelBackend
{
    public UpstreamCluster Cluster { get; } = cluster;

    public override string Name => Cluster.Name;

    public override bool IsReady(string model) => Cluster.HasHealthyEndpoint;
}

/// <summary>Calls are served in-process by the embedded model host.</summary>
public sealed class EmbeddedBackend(EmbeddedModels models) : ModelBackend
{
    public EmbeddedModels Models { get; } = models;

    public override string Name => Configuration.ModelOptions.EmbeddedUpstream;

    /// <summary>A catch-all route is ready when the host serves anything; a named one when its model loaded.</summary>
    public override bool IsReady(string model) =>
        model == GatewaySnapshot.CatchAllModel ? Models.Host.Loaded.Any() : Models.Host.IsReady(model, "");
}
