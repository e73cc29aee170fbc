using System.Diagnostics;

namespace Guard.Integration.Tests.Infrastructure;

/// <summary>Runs the real CLI (guard.dll, copied next to the test assembly) as a process and collects its output.</summary>
public static class GuardCli
{
    public sealed record Result(int ExitCode, string Stdout, string Stderr)
    {
        public override string ToString() => $"exit {ExitCode}\nstdout: {Stdout}\nstderr: {Stderr}";
    }

    public static string GuardDll
    {
        get
        {
            var path = Path.Combine(AppContext.BaseDirectory, "guard.dll");
            Assert.True(File.Exists(path), $"guard.dll is not in the test output folder {AppContext.BaseDirectory}");
            return path;
        }
    }

    public static Task<Result> RunAsync(string workingDirectory, TimeSpan timeout, params string[] args) =>
        RunAsync(workingDirectory, timeout, new Dictionary<string, string>(), args);

    /// <param name="environment">Variables set for the process (GUARD_* overrides, say).</param>
    public static async Task<Result> RunAsync(string workingDirectory, TimeSpan timeout, IReadOnlyDictionary<string, string> environment, params string[] args)
    {
        var dotnet = Environment.GetEnvironmentVariable("DOTNET_HOST_PATH") is { Length: > 0 } host && File.Exists(host) ? host : "dotnet";
        var info = new ProcessStartInfo(dotnet)
        {
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            RedirectStandardInput = true,
            UseShellExecute = false,
            WorkingDirectory = workingDirectory,
        };
        info.ArgumentList.Add(GuardDll);
        foreach (var arg in args)
        {
            info.ArgumentList.Add(arg);
        }

        info.Environment.Remove("GUARD_CONFIG");
        info.Environment.Remove("GUARD_queryPatterns__secret");
        foreach (var (name, value) in environment)
        {
            info.Environment[name] = value;
        }

        using var process = Process.Start(info) ?? throw new InvalidOperationException("could not start guard");
        var stdout = process.StandardOutput.ReadToEndAsync();
        var stderr = process.StandardError.ReadToEndAsync();
        try
        {
            await process.WaitForExitAsync().WaitAsync(timeout);
        }
        catch (TimeoutException)
        {
            process.Kill(entireProcessTree: true);
            await process.WaitForExitAsync();
            Assert.Fail($"guard {string.Join(' ', args)} did not exit within {timeout.TotalSeconds}s\nstdout: {await stdout}\nstderr: {await stderr}");
        }

        return new Result(process.ExitCode, await stdout, await stderr);
    }
}
