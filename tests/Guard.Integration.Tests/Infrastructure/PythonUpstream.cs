using System.Diagnostics;

namespace Guard.Integration.Tests.Infrastructure;

/// <summary>
/// A real grpcio KServe v2 server (tests/interop/kserve_upstream.py) on a free loopback port. It exits when
/// its stdin closes, so a crashed test run leaves nothing behind.
/// </summary>
public sealed class PythonUpstream : IAsyncDisposable
{
    private readonly Process _process;
    private readonly List<string> _stderr = new();

    private PythonUpstream(Process process, int port, string name)
    {
        _process = process;
        Port = port;
        Name = name;
    }

    public int Port { get; }

    public string Name { get; }

    public string Address => $"127.0.0.1:{Port}";

    public string Url => $"http://127.0.0.1:{Port}";

    public int ProcessId => _process.Id;

    public bool HasExited => _process.HasExited;

    public IReadOnlyList<string> Stderr
    {
        get
        {
            lock (_stderr)
            {
                return _stderr.ToList();
            }
        }
    }

    public static async Task<PythonUpstream> StartAsync(string name = "upstream", int port = 0, params string[] extraArgs)
    {
        var info = new ProcessStartInfo(RepoPaths.Python)
        {
            RedirectStandardInput = true,
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            UseShellExecute = false,
        };
        info.ArgumentList.Add(RepoPaths.Interop("kserve_upstream.py"));
        foreach (var arg in new[] { "--port", port.ToString(System.Globalization.CultureInfo.InvariantCulture), "--name", name, "--exit-on-stdin-close" }.Concat(extraArgs))
        {
            info.ArgumentList.Add(arg);
        }

        var process = Process.Start(info) ?? throw new InvalidOperationException("could not start the Python upstream");
        var ready = await ReadReadyLineAsync(process);
        var upstream = new PythonUpstream(process, ready, name);
        process.ErrorDataReceived += (_, e) =>
        {
            if (e.Data is not null)
            {
                lock (upstream._stderr)
                {
                    upstream._stderr.Add(e.Data);
                }
            }
        };
        process.BeginErrorReadLine();
        return upstream;
    }

    /// <summary>Toggles ServerReady (SIGUSR1), to drive health checks.</summary>
    public void ToggleReadiness() => Process.Start("kill", $"-USR1 {_process.Id}")!.WaitForExit();

    public async Task KillAsync()
    {
        if (!_process.HasExited)
        {
            _process.Kill(entireProcessTree: true);
            await _process.WaitForExitAsync();
        }
    }

    public async ValueTask DisposeAsync()
    {
        await KillAsync();
        _process.Dispose();
    }

    private static async Task<int> ReadReadyLineAsync(Process process)
    {
        using var timeout = new CancellationTokenSource(TimeSpan.FromSeconds(30));
        while (true)
        {
            var line = await process.StandardOutput.ReadLineAsync(timeout.Token);
            if (line is null)
            {
                var err = await process.StandardError.ReadToEndAsync(CancellationToken.None);
                throw new InvalidOperationException("Python upstream exited before READY: " + err);
            }

            if (line.StartsWith("READY ", StringComparison.Ordinal))
            {
                return int.Parse(line.AsSpan(6), System.Globalization.CultureInfo.InvariantCulture);
            }
        }
    }
}
