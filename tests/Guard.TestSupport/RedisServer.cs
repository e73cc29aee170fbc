using System.Diagnostics;
using System.Net.Sockets;
using System.Text;

namespace Guard.TestSupport;

/// <summary>
/// A real redis-server on a free loopback port, in a temporary directory, without persistence. It can be killed
/// (SIGKILL) and started again on the same port. Disposing kills it and removes the directory; process-exit and
/// unhandled-exception hooks kill it should the test host go down without disposing.
/// </summary>
public sealed class RedisServer : IAsyncDisposable
{
    public const string Executable = "/usr/bin/redis-server";

    private readonly string[] _extraArgs;
    private Process? _process;

    private RedisServer(int port, int? tlsPort, string[] extraArgs)
    {
        Port = port;
        TlsPort = tlsPort;
        _extraArgs = extraArgs;
        Directory = System.IO.Directory.CreateTempSubdirectory("guard-redis-").FullName;
        AppDomain.CurrentDomain.ProcessExit += OnProcessExit;
        AppDomain.CurrentDomain.UnhandledException += OnProcessExit;
    }

    /// <summary>The plain TCP port (0 when only TLS is served).</summary>
    public int Port { get; }

    public int? TlsPort { get; }

    public string Directory { get; }

    public string Endpoint => $"127.0.0.1:{TlsPort ?? Port}";

    /// <summary>Starts redis-server with <paramref name="extraArgs"/> after the defaults and waits until it answers.</summary>
    public static async Task<RedisServer> StartAsync(params string[] extraArgs)
    {
        var server = new RedisServer(FreePort.Next(), null, extraArgs);
        await server.StartProcessAsync();
        return server;
    }

    /// <summary>A TLS-only server (plain port 0) using the given PEM files.</summary>
    public static async Task<RedisServer> StartTlsAsync(string certFile, string keyFile, string caFile, bool requireClientCertificates = false)
    {
        var server = new RedisServer(0, FreePort.Next(), ["--tls-cert-file", certFile, "--tls-key-file", keyFile, "--tls-ca-cert-file", caFile, "--tls-auth-clients", requireClientCertificates ? "yes" : "no"]);
        await server.StartProcessAsync();
        return server;
    }

    /// <summary>SIGKILL: the server vanishes without closing anything gracefully.</summary>
    public void Kill()
    {
        if (_process is { HasExited: false } process)
        {
            process.Kill();
            process.WaitForExit();
        }

        _process?.Dispose();
        _process = null;
    }

    public Task RestartAsync()
    {
        Kill();
        return StartProcessAsync();
    }

    public ValueTask DisposeAsync()
    {
        AppDomain.CurrentDomain.ProcessExit -= OnProcessExit;
        AppDomain.CurrentDomain.UnhandledException -= OnProcessExit;
        Kill();
        try
        {
            System.IO.Directory.Delete(Directory, recursive: true);
        }
        catch (IOException)
        {
        }

        return ValueTask.CompletedTask;
    }

    /// <summary>The server's log, for assertion messages.</summary>
    public string Log()
    {
        var path = Path.Combine(Directory, "redis.log");
        return File.Exists(path) ? File.ReadAllText(path) : "(no log)";
    }

    private async Task StartProcessAsync()
    {
        var start = new ProcessStartInfo(Executable) { UseShellExecute = false };
        string[] defaults =
        [
            "--port", Port.ToString(System.Globalization.CultureInfo.InvariantCulture),
            "--bind", "127.0.0.1",
            "--save", "",
            "--appendonly", "no",
            "--dir", Directory,
            "--logfile", Path.Combine(Directory, "redis.log"),
            "--daemonize", "no",
        ];
        foreach (var arg in defaults.Concat(TlsPort is { } tls ? ["--tls-port", tls.ToString(System.Globalization.CultureInfo.InvariantCulture)] : []).Concat(_extraArgs))
        {
            start.ArgumentList.Add(arg);
        }

        _process = Process.Start(start) ?? throw new InvalidOperationException("redis-server did not start");
        await WaitUntilListeningAsync();
    }

    private async Task WaitUntilListeningAsync()
    {
        var deadline = DateTime.UtcNow + TimeSpan.FromSeconds(10);
        var port = TlsPort ?? Port;
        while (true)
        {
            if (_process!.HasExited)
            {
                throw new InvalidOperationException($"redis-server exited with {_process.ExitCode}:\n{Log()}");
            }

            try
            {
                using var client = new TcpClient();
                await client.ConnectAsync("127.0.0.1", port);
                if (TlsPort is not null)
                {
                    return;
                }

                // Any reply (PONG, or NOAUTH when the default user is off) means it is serving.
                var stream = client.GetStream();
                await stream.WriteAsync("PING\r\n"u8.ToArray());
                var buffer = new byte[64];
                if (await stream.ReadAsync(buffer) > 0)
                {
                    return;
                }
            }
            catch (SocketException) when (DateTime.UtcNow < deadline)
            {
            }
            catch (IOException) when (DateTime.UtcNow < deadline)
            {
            }

            if (DateTime.UtcNow >= deadline)
            {
                throw new TimeoutException($"redis-server on {port} did not come up:\n{Log()}");
            }

            await Task.Delay(20);
        }
    }

    private void OnProcessExit(object? sender, EventArgs e) => Kill();
}
