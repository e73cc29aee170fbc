using System.Diagnostics;
using System.Text.RegularExpressions;

namespace Guard.Integration.Tests.Infrastructure;

/// <summary>
/// Guard as a separate OS process (<c>dotnet guard.dll serve</c>) on free loopback ports, for tests that need two
/// real processes (e.g. replicas sharing state). Stopped with SIGTERM on dispose.
/// </summary>
public sealed partial class GuardProcess : IAsyncDisposable
{
    private readonly Process _process;
    private readonly string _directory;

    private GuardProcess(Process process, string directory, Match listening)
    {
        _process = process;
        _directory = directory;
        GrpcAddress = listening.Groups["grpc"].Value;
        ConsoleAddress = listening.Groups["console"].Success ? listening.Groups["console"].Value : null;
        AdminGrpcAddress = listening.Groups["admin"].Success ? listening.Groups["admin"].Value : null;
    }

    public string GrpcAddress { get; }

    /// <summary>The console's host:port, when admin users are configured.</summary>
    public string? ConsoleAddress { get; }

    /// <summary>The gRPC admin service's host:port, when admin users are configured.</summary>
    public string? AdminGrpcAddress { get; }

    public Uri GrpcUri => new($"http://{GrpcAddress}");

    /// <summary>The process's working directory (relative paths in its configuration land here).</summary>
    public string WorkingDirectory => _directory;

    /// <summary>SIGKILL: no shutdown, no draining; what was not durable is gone.</summary>
    public async Task KillAsync()
    {
        _process.Kill(entireProcessTree: true);
        await _process.WaitForExitAsync();
    }

    public static async Task<GuardProcess> StartAsync(string yaml)
    {
        var directory = Directory.CreateTempSubdirectory("guard-proc-").FullName;
        var config = Path.Combine(directory, "guard.yaml");
        await File.WriteAllTextAsync(config, yaml);
        var dotnet = Environment.GetEnvironmentVariable("DOTNET_HOST_PATH") is { Length: > 0 } host && File.Exists(host) ? host : "dotnet";
        var info = new ProcessStartInfo(dotnet) { RedirectStandardOutput = true, RedirectStandardError = true, UseShellExecute = false, WorkingDirectory = directory };
        foreach (var arg in new[] { Path.Combine(AppContext.BaseDirectory, "guard.dll"), "serve", "--config", config })
        {
            info.ArgumentList.Add(arg);
        }

        info.Environment.Remove("GUARD_CONFIG");
        info.Environment["GUARD_listeners__grpc__address"] = "127.0.0.1:0";
        info.Environment["GUARD_listeners__http__address"] = "127.0.0.1:0";
        info.Environment["GUARD_logging__logLevel__default"] = "Warning";
        info.Environment["GUARD_admin__address"] = "127.0.0.1:0";
        info.Environment["GUARD_admin__grpcAddress"] = "127.0.0.1:0";
        var process = Process.Start(info) ?? throw new InvalidOperationException("could not start guard");
        var stderr = process.StandardError.ReadToEndAsync();
        return await ListeningLineAsync(process, TimeSpan.FromSeconds(60)) is { } listening
            ? new GuardProcess(process, directory, listening)
            : throw new InvalidOperationException($"guard exited before listening (exit {process.ExitCode}): {await stderr}");
    }

    /// <summary>
    /// The gRPC address from the line <c>guard serve</c> prints once listening (null if it ends first); stdout is
    /// drained from then on so Guard never blocks on a full pipe.
    /// </summary>
    public static async Task<string?> ListeningAddressAsync(Process process, TimeSpan patience) =>
        (await ListeningLineAsync(process, patience))?.Groups["grpc"].Value;

    private static async Task<Match?> ListeningLineAsync(Process process, TimeSpan patience)
    {
        ArgumentNullException.ThrowIfNull(process);
        using var timeout = new CancellationTokenSource(patience);
        while (await process.StandardOutput.ReadLineAsync(timeout.Token) is { } line)
        {
            if (Listening().Match(line) is { Success: true } match)
            {
                _ = process.StandardOutput.ReadToEndAsync(CancellationToken.None);
                return match;
            }
        }

        return null;
    }

    public async ValueTask DisposeAsync()
    {
        if (!_process.HasExited)
        {
            using (var term = Process.Start("kill", ["-TERM", _process.Id.ToString(System.Globalization.CultureInfo.InvariantCulture)]))
            {
                await term.WaitForExitAsync();
            }
            using var exited = new CancellationTokenSource(TimeSpan.FromSeconds(20));
            try
            {
                await _process.WaitForExitAsync(exited.Token);
            }
            catch (OperationCanceledException)
            {
                _process.Kill(entireProcessTree: true);
            }
        }

        _process.Dispose();
        try
        {
            Directory.Delete(_directory, recursive: true);
        }
        catch (IOException)
        {
        }
    }

    [GeneratedRegex(@"Guard listening: gRPC h2c://(?<grpc>[0-9.]+:[0-9]+), HTTP http://[0-9.]+:[0-9]+(, console http://(?<console>[0-9.]+:[0-9]+), admin gRPC h2c://(?<admin>[0-9.]+:[0-9]+))?")]
    private static partial Regex Listening();
}
