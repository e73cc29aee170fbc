using System.Diagnostics;

namespace Guard.TestSupport;

/// <summary>The pinned ONNX Runtime library: GUARD_ORT_LIBRARY (tools/test.sh sets it), else provisioned now by tools/onnxruntime.sh.</summary>
public static class OrtLibraryPath
{
    private static readonly Lazy<string> Path = new(Find);

    public static string Value => Path.Value;

    private static string Find()
    {
        if (Environment.GetEnvironmentVariable("GUARD_ORT_LIBRARY") is { Length: > 0 } path)
        {
            return path;
        }

        var start = new ProcessStartInfo("bash", [System.IO.Path.Combine("tools", "onnxruntime.sh")])
        {
            WorkingDirectory = RepositoryRoot.Path,
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

        // The script's last line is the library's path.
        return stdout.Split('\n', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries)[^1];
    }
}
