using Guard.Gateway.Upstreams;
using Guard.Guards.Pipeline;

namespace Guard.Gateway.Runtime;

/// <summary>Where one model's requests go and which guards they pass on the way.</summary>
public sealed class ModelRoute(string model, UpstreamCluster cluster, IReadOnlyDictionary<string, UpstreamCluster> versionClusters, GuardPipeline pipeline, bool useModelMetadata)
{
    public string Model { get; } = model;

    public UpstreamCluster Cluster { get; } = cluster;

    public IReadOnlyDictionary<string, UpstreamCluster> VersionClusters { get; } = versionClusters;

    public GuardPipeline Pipeline { get; } = pipeline;

    /// <summary>Validate requests against the upstream's ModelMetadata.</summary>
    public bool UseModelMetadata { get; } = useModelMetadata;

    public UpstreamCluster ClusterFor(string version) =>
        version.Length > 0 && VersionClusters.TryGetValue(version, out var c) ? c : Cluster;
}
