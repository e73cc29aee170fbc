using System.Diagnostics;
using System.Text.Json;

namespace Guard.Integration.Tests.Infrastructure;

/// <summary>Runs the interop scripts (real grpcio clients): a check of client_checks.py, or fashion_client.py; returns what they observed.</summary>
public static class PythonClient
{
    public sealed record Result(int ExitCode, JsonElement Json, string Raw, string Stderr)
    {
        public bool Ok => ExitCode == 0 && Json.TryGetProperty("ok", out var ok) && ok.GetBoolean();

        public string Str(string name) => Json.GetProperty(name).ToString();

        public override string ToString() => $"exit {ExitCode}: {Raw} {Stderr}";
    }

    public static async Task<Result> RunAsync(string target, params string[] args) => await RunAsync(target, [], args);

    public static Task<Result> RunAsync(string target, string[] globalArgs, params string[] args) =>
        RunScriptAsync("client_checks.py", target, [.. globalArgs, .. args], TimeSpan.FromSeconds(120));

    /// <summary>Runs tests/interop/fashion_client.py: the evaluation set through <paramref name="target"/>, checked against the reference logits.</summary>
    public static Task<Result> ClassifyAsync(string target, params string[] args) =>
        RunScriptAsync("fashion_client.py", target, args, TimeSpan.FromSeconds(180));

    /// <summary>Runs one of the interop scripts against <paramref name="target"/>; its last stdout line is its JSON verdict.</summary>
    private static async Task<Result> RunScriptAsync(string script, string target, IEnumerable<string> args, TimeSpan patience)
    {
        var info = new ProcessStartInfo(RepoPaths.Python)
        {
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            UseShellExecute = false,
        };
        info.ArgumentList.Add(RepoPaths.Interop(script));
        info.ArgumentList.Add("--target");
        info.ArgumentList.Add(target);
        foreach (var a in args)
        {
            info.ArgumentList.Add(a);
        }

        using var process = Process.Start(info) ?? throw new InvalidOperationException($"could not start {script}");
        var stdout = process.StandardOutput.ReadToEndAsync();
        var stderr = process.StandardError.ReadToEndAsync();
        using var timeout = new CancellationTokenSource(patience);
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
