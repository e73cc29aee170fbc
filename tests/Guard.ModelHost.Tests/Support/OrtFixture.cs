using Guard.TestSupport;
using Guard.ModelHost.Configuration;
using Guard.OnnxRuntime;
using Microsoft.Extensions.Logging.Abstractions;

namespace Guard.ModelHost.Tests.Support;

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
        Environment = Library.CreateEnvironment(OrtLoggingLevel.Error, "guard-modelhost-tests");
    }

    public string LibraryPath { get; }

    public OrtLibrary Library { get; }

    public OrtEnvironment Environment { get; }

    public void Dispose() => Environment.Dispose();

    /// <summary>Loads every model of <paramref name="repository"/> (or those named in <paramref name="only"/>).</summary>
    public ModelHost Load(TestRepository repository, IInferenceObserver? observer = null, params string[] only) =>
        Load(repository.Root, observer, NullLogger.Instance, only);

    public ModelHost Load(string root, IInferenceObserver? observer, Microsoft.Extensions.Logging.ILogger logger, params string[] only) =>
        ModelHost.Load(new ModelHostOptions { Repository = root, Models = [.. only] }, Environment, observer, logger);

    /// <summary>Options for a session opened by a test itself: one intra-op thread, no spinning.</summary>
    public SessionOptions Options() => new SessionOptions(Library)
        .SetIntraOpThreads(1)
        .SetInterOpThreads(1)
        .AddConfigEntry(SessionOptions.AllowIntraOpSpinningKey, "0");

    /// <summary>ORT's own message for a model file it cannot load, from a session the test opens directly.</summary>
    public string OrtLoadError(string modelPath)
    {
        using var options = Options();
        var error = Assert.Throws<OnnxRuntimeException>(() => new InferenceSession(Environment, modelPath, options).Dispose());
        Assert.False(string.IsNullOrWhiteSpace(error.OrtMessage));
        return error.OrtMessage;
    }
}

[CollectionDefinition(Name)]
public sealed class OrtTests : ICollectionFixture<OrtFixture>
{
    public const string Name = "ort";
}
