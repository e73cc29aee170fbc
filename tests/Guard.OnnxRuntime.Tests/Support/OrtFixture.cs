using System.Diagnostics;

namespace Guard.OnnxRuntime.Tests.Support;

/// <summary>
/// Loads ONNX Runtime once for all tests: from GUARD_ORT_LIBRARY, else by running tools/onnxruntime.sh
/// from the repository root and reading the last line it prints.
/// </summary>
public sealed class OrtFixture : IDisposable
{
    public OrtFixture()
    {
        LibraryPath = System.Environment.GetEnvironmentVariable(OrtLibrary.PathVariable) is { Length: > 0 } path ? path : Provision();
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

    private static string Provision()
    {
        var root = RepositoryRoot();
        var start = new ProcessStartInfo("bash", [Path.Combine("tools", "onnxruntime.sh")])
        {
            WorkingDirectory = root,
            RedirectStandardOutput = true,
            RedirectStandardError = true,
        };
        using var process = Process.Start(start) ?? throw new InvalidOperationException("bash did not start.");
        var stderr = process.StandardError.ReadToEndAsync();
        var stdout = process.StandardOutput.ReadToEnd();
        process.WaitForExit();
        if (process.ExitCode != 0)
        {
            throw new InvalidOperationException($"tools/onnxruntime.sh failed ({process.ExitCode}): {stderr.Result}");
        }
        return stdout.Split('\n', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries)[^1];
    }

    private static string RepositoryRoot()
    {
        for (var dir = new DirectoryInfo(AppContext.BaseDirectory); dir is not null; dir = dir.Parent)
        {
            if (File.Exists(Path.Combine(dir.FullName, "tools", "onnxruntime.sh")))
            {
                return dir.FullName;
            }
        }
        throw new InvalidOperationException("tools/onnxruntime.sh not found above " + AppContext.BaseDirectory);
    }
}

[CollectionDefinition(Name)]
public sealed class OrtTests : ICollectionFixture<OrtFixture>
{
    public const string Name = "ort";
}
