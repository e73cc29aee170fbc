using Guard.Guards.Pipeline;

namespace Guard.Gateway.Runtime;

/// <summary>Where one model's requests go and which guards they pass on the way.</summary>
public sealed class ModelRoute(string model, ModelBackend backend, IReadOnlyDictionary<string, ModelBackend> versionBackends, GuardPipeline pipeline, bool useModelMetadata)
{
    public string Model { get; } = model;

    public ModelBackend Backend { get; } = backend;

    /// <summary>Versions served by another backend than <see cref="Backend"/> (a canary, say).</summary>
    public IReadOnlyDictionary<string, ModelBackend> VersionBackends { get; } = versionBackends;

    public GuardPipeline Pipeline { get; } = pipeline;

    /// <summary>Validate requests against the model's metadata.</summary>
    public bool UseModelMetadata { get; } = useModelMetadata;

    public ModelBackend BackendFor(string version) =>
        version.Length > 0 && VersionBackends.TryGetValue(version, out var b) ? b : Backend;
}
