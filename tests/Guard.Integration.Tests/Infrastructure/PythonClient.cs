using System.Diagnostics;
using System.Text.Json;

namespace Guard.Integration.Tests.Infrastructure;

/// <summary>Runs one check of tests/interop/client_checks.py (a real grpcio client) and returns what it observed.</summary>
public static class PythonClient
{
    public sealed record Result(int ExitCode, JsonElement Json, string Raw, string Stderr)
    {
        public bool Ok => ExitCode == 0 && Json.TryGetProperty("ok", out var ok) && ok.GetBoolean();

        public string Str(string name) => Json.GetProperty(name).ToString();

        public override string ToString() => $"exit {ExitCode}: {Raw} {Stderr}";
    }

    public static async Task<Result> RunAsync(string target, params string[] args) => await RunAsync(target, [], args);

    public static async Task<Result> RunAsync(string target, string[] globalArgs, params string[] args)
    {
        var info = new ProcessStartInfo(RepoPaths.Python)
        {
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            UseShellExecute = false,
        };
        info.ArgumentList.Add(RepoPaths.Interop("client_checks.py"));
        info.ArgumentList.Add("--target");
        info.ArgumentList.Add(target);
        foreach (var a in globalArgs.Concat(args))
        {
            info.ArgumentList.Add(a);
        }

        using var process = Process.Start(info) ?? throw new InvalidOperationException("could not start client_checks.py");
        var stdout = process.StandardOutput.ReadToEndAsync();
        var stderr = process.StandardError.ReadToEndAsync();
        using var timeout = new CancellationTokenSource(TimeSpan.FromSeconds(120));
        await process.WaitForExitAsync(timeout.Token);
        var raw = (await stdout).Trim();
        var lastLine = raw.Split('\n').LastOrDefault() ?? "";
        JsonElement json;
        try
        {
            json = JsonDocument.Parse(lastLine.Length == 0 ? "{}" : lastLine).RootElement.Clone();
        }
        catch (JsonException)
        {
            json = JsonDocument.Parse("{}").RootElement.Clone();
        }

        return new Result(process.ExitCode, json, raw, await stderr);
    }
}
