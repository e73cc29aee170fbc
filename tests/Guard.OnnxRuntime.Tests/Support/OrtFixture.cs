using Guard.TestSupport;

namespace Guard.OnnxRuntime.Tests.Support;

/// <summary>
/// Loads ONNX Runtime once for all tests: from GUARD_ORT_LIBRARY, else by running tools/onnxruntime.sh
/// from the repository root and reading the last line it prints.
/// </summary>
public sealed class OrtFixture : IDisposable
{
    public OrtFixture()
    {
        LibraryPath = OrtLibraryPath.Value;
        Library = OrtLibrary.Load(LibraryPath);
        Environment = Library.CreateEnvironment(OrtLoggingLevel.Error, "guard-tests");
    }

    public string LibraryPath { get; }

    public OrtLibrary Library { get; }

    public OrtEnvironment Environment { get; }

    public void Dispose() => Environment.Dispose();

    /// <summary>Options for a test session: one intra-op thread, no spinning.</summary>
    public SessionOptions Options() => new SessionOptions(Library)
        .SetIntraOpThreads(1)
        .SetInterOpThreads(1)
        .SetGraphOptimizationLevel(GraphOptimizationLevel.EnableAll)
        .AddConfigEntry(SessionOptions.AllowIntraOpSpinningKey, "0");

    public InferenceSession Session(byte[] model)
    {
        using var options = Options();
        return new InferenceSession(Environment, model, options);
    }
}

[CollectionDefinition(Name)]
public sealed class OrtTests : ICollectionFixture<OrtFixture>
{
    public const string Name = "ort";
}
