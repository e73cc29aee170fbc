using System.Diagnostics;
using System.Net;
using System.Net.Sockets;
using System.Text;

namespace Guard.TestSupport;

/// <summary>
/// A real redis-server on a free loopback port, with no persistence, in a temporary directory. Can be killed
/// (SIGKILL, as a crash) and started again on the same port.
/// </summary>
public sealed class RedisServer : IAsyncDisposable
{
    private const string Executable = "/usr/bin/redis-server";
    private readonly string _directory;
    private readonly string[] _extraArgs;
    private Process? _process;

    private RedisServer(int port, string directory, string[] extraArgs)
    {
        Port = port;
        _directory = directory;
        _extraArgs = extraArgs;
    }

    public int Port { get; }

    public string Endpoint => $"127.0.0.1:{Port}";

    /// <summary>
    /// Starts a server on a free port, trying another if the port was taken between choosing and binding it.
    /// <paramref name="extraArgs"/> follow the defaults (e.g. <c>--user alice on &gt;secret ~* +@all</c>); a server that
    /// requires authentication is recognised as started once it answers at all.
    /// </summary>
    public static async Task<RedisServer> StartAsync(params string[] extraArgs)
    {
        for (var attempt = 1; ; attempt++)
        {
            var directory = Directory.CreateTempSubdirectory("guard-redis-").FullName;
            var server = new RedisServer(FreePort(), directory, extraArgs);
            try
            {
                await server.RestartAsync();
                return server;
            }
            catch (InvalidOperationException) when (attempt < 5)
            {
                await server.DisposeAsync();
            }
        }
    }

    /// <summary>Starts the process (again) and waits until it answers PING.</summary>
    public async Task RestartAsync()
    {
        if (_process is { HasExited: false })
        {
            throw new InvalidOperationException("redis-server is already running.");
        }
        _process?.Dispose();
        var start = new ProcessStartInfo(Executable)
        {
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            UseShellExecute = false,
        };
        foreach (var arg in new[] { "--port", Port.ToString(System.Globalization.CultureInfo.InvariantCulture), "--bind", "127.0.0.1", "--save", "", "--appendonly", "no", "--dir", _directory }.Concat(_extraArgs))
        {
            start.ArgumentList.Add(arg);
        }
        _process = Process.Start(start) ?? throw new InvalidOperationException("redis-server did not start.");
        _process.OutputDataReceived += (_, _) => { };
        _process.ErrorDataReceived += (_, _) => { };
        _process.BeginOutputReadLine();
        _process.BeginErrorReadLine();
        var deadline = DateTime.UtcNow + TimeSpan.FromSeconds(10);
        while (!(RequiresAuth ? await AnswersAsync() : await IsOursAsync(_process.Id)))
        {
            if (_process.HasExited || DateTime.UtcNow > deadline)
            {
                throw new InvalidOperationException($"redis-server on port {Port} did not come up.");
            }
            await Task.Delay(20);
        }
    }

    private bool RequiresAuth => _extraArgs.Contains("--requirepass") || _extraArgs.Contains("--user");

    /// <summary>For servers that refuse INFO without a password: any reply means up (the process check then rests on the port).</summary>
    private async Task<bool> AnswersAsync()
    {
        try
        {
            using var socket = new Socket(AddressFamily.InterNetwork, SocketType.Stream, ProtocolType.Tcp);
            await socket.ConnectAsync(IPAddress.Loopback, Port);
            await socket.SendAsync("PING\r\n"u8.ToArray());
            using var timeout = new CancellationTokenSource(TimeSpan.FromSeconds(2));
            var buffer = new byte[256];
            return await socket.ReceiveAsync(buffer, SocketFlags.None, timeout.Token) > 0;
        }
        catch (Exception e) when (e is SocketException or OperationCanceledException)
        {
            return false;
        }
    }

    /// <summary>SIGKILL: the server vanishes mid-conversation, as in a crash.</summary>
    public void Kill()
    {
        if (_process is { HasExited: false } process)
        {
            process.Kill();
            process.WaitForExit();
        }
    }

    public ValueTask DisposeAsync()
    {
        Kill();
        _process?.Dispose();
        try
        {
            Directory.Delete(_directory, recursive: true);
        }
        catch (IOException)
        {
            // best effort
        }
        return ValueTask.CompletedTask;
    }

    /// <summary>Whether the server answering on the port is the process we started (not another test's server that
    /// took the port first): INFO's process_id says.</summary>
    private async Task<bool> IsOursAsync(int processId)
    {
        try
        {
            using var socket = new Socket(AddressFamily.InterNetwork, SocketType.Stream, ProtocolType.Tcp);
            await socket.ConnectAsync(IPAddress.Loopback, Port);
            await socket.SendAsync("INFO server\r\n"u8.ToArray());
            using var timeout = new CancellationTokenSource(TimeSpan.FromSeconds(2));
            var reply = new List<byte>();
            var buffer = new byte[4096];
            int headerEnd;
            while ((headerEnd = IndexOfNewLine(reply)) < 0 || reply.Count < headerEnd + 2 + BulkLength(reply, headerEnd) + 2)
            {
                if (headerEnd >= 0 && reply[0] != (byte)'$')
                {
                    return false; // an error reply: not a server we can use
                }
                var read = await socket.ReceiveAsync(buffer, SocketFlags.None, timeout.Token);
                if (read == 0)
                {
                    return false;
                }
                reply.AddRange(buffer.AsSpan(0, read));
            }
            return Encoding.ASCII.GetString([.. reply]).Contains($"\r\nprocess_id:{processId}\r\n", StringComparison.Ordinal);
        }
        catch (Exception e) when (e is SocketException or OperationCanceledException)
        {
            return false;
        }
    }

    private static int IndexOfNewLine(List<byte> bytes)
    {
        for (var i = 0; i + 1 < bytes.Count; i++)
        {
            if (bytes[i] == '\r' && bytes[i + 1] == '\n')
            {
                return i;
            }
        }
        return -1;
    }

    private static int BulkLength(List<byte> reply, int headerEnd) =>
        reply[0] == '$' ? int.Parse(Encoding.ASCII.GetString([.. reply.GetRange(1, headerEnd - 1)]), System.Globalization.CultureInfo.InvariantCulture) : 0;

    private static int FreePort()
    {
        var listener = new TcpListener(IPAddress.Loopback, 0);
        listener.Start();
        var port = ((IPEndPoint)listener.LocalEndpoint).Port;
        listener.Stop();
        return port;
    }
}
