using System.Diagnostics;
using System.Text.Json;

namespace Guard.Integration.Tests.Infrastructure;

/// <summary>Runs tests/interop/fashion_client.py (grpcio): the evaluation set through a target, checked against the reference logits.</summary>
public static class FashionClient
{
    public static async Task<PythonClient.Result> RunAsync(string target, params string[] args)
    {
        var info = new ProcessStartInfo(RepoPaths.Python) { RedirectStandardOutput = true, RedirectStandardError = true, UseShellExecute = false };
        info.ArgumentList.Add(RepoPaths.Interop("fashion_client.py"));
        info.ArgumentList.Add("--target");
        info.ArgumentList.Add(target);
        foreach (var arg in args)
        {
            info.ArgumentList.Add(arg);
        }

        using var process = Process.Start(info) ?? throw new InvalidOperationException("could not start fashion_client.py");
        var stdout = process.StandardOutput.ReadToEndAsync();
        var stderr = process.StandardError.ReadToEndAsync();
        using var timeout = new CancellationTokenSource(TimeSpan.FromSeconds(180));
        await process.WaitForExitAsync(timeout.Token);
        var raw = (await stdout).Trim();
        var line = raw.Split('\n').LastOrDefault() ?? "";
        JsonElement json;
        try
        {
            json = JsonDocument.Parse(line.Length == 0 ? "{}" : line).RootElement.Clone();
        }
        catch (JsonException)
        {
            json = JsonDocument.Parse("{}").RootElement.Clone();
        }

        return new PythonClient.Result(process.ExitCode, json, raw, await stderr);
    }
}
