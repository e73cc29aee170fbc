using Guard.Guards.Pipeline;
using Guard.Guards.Responses;

namespace Guard.Gateway.Runtime;

/// <summary>Where one model's requests go, which guards they pass on the way, and how its answers are hardened.</summary>
public sealed class ModelRoute(
    string model,
    ModelBackend backend,
    IReadOnlyDictionary<string, ModelBackend> versionBackends,
    GuardPipeline pipeline,
    bool useModelMetadata,
    OutputHardener? hardener = null,
    DecoyResponseFactory? decoys = null)
{
    public string Model { get; } = model;

    public ModelBackend Backend { get; } = backend;

    /// <summary>Versions served by another backend than <see cref="Backend"/> (a canary, say).</summary>
    public IReadOnlyDictionary<string, ModelBackend> VersionBackends { get; } = versionBackends;

    public GuardPipeline Pipeline { get; } = pipeline;

    /// <summary>Fetch the model's metadata for the guards: validation uses it, and silent rejects shape decoys from it.</summary>
    public bool UseModelMetadata { get; } = useModelMetadata || decoys is not null;

    /// <summary>Applied to every answer of the model, when the policy hardens outputs.</summary>
    public OutputHardener? Hardener { get; } = hardener is { IsEnabled: true } ? hardener : null;

    /// <summary>Builds silent-reject answers, when some stage of the policy silently rejects.</summary>
    public DecoyResponseFactory? Decoys { get; } = decoys;

    public ModelBackend BackendFor(string version) =>
        version.Length > 0 && VersionBackends.TryGetValue(version, out var b) ? b : Backend;
}
