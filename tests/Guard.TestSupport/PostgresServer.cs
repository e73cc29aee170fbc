using System.Diagnostics;
using Npgsql;

namespace Guard.TestSupport;

/// <summary>
/// A real PostgreSQL cluster initialised in a temporary directory and started on a free loopback port with fsync on,
/// trust authentication for the user "guard". PostgreSQL refuses to run as root, so under root the binaries run as
/// the "postgres" account through setpriv (which execs, so the process we hold is the postmaster itself). Disposing
/// kills it and removes the directory.
/// </summary>
public sealed class PostgresServer : IAsyncDisposable
{
    private const string User = "guard";
    private Process? _process;

    private PostgresServer(string binDirectory)
    {
        BinDirectory = binDirectory;
        Directory = System.IO.Directory.CreateTempSubdirectory("guard-pg-").FullName;
        Port = FreePort.Next();
        AppDomain.CurrentDomain.ProcessExit += OnProcessExit;
    }

    public string BinDirectory { get; }

    public string Directory { get; }

    public int Port { get; }

    private string DataDirectory => Path.Combine(Directory, "data");

    private string SocketDirectory => Path.Combine(Directory, "sock");

    /// <summary>The newest installed /usr/lib/postgresql/*/bin that has initdb, or null.</summary>
    public static string? FindBinDirectory() =>
        System.IO.Directory.Exists("/usr/lib/postgresql")
            ? System.IO.Directory.GetDirectories("/usr/lib/postgresql")
                .Select(d => Path.Combine(d, "bin"))
                .Where(d => File.Exists(Path.Combine(d, "initdb")))
                .OrderByDescending(d => int.TryParse(Path.GetFileName(Path.GetDirectoryName(d)), out var v) ? v : 0)
                .FirstOrDefault()
            : null;

    public static async Task<PostgresServer> StartAsync()
    {
        var bin = FindBinDirectory() ?? throw new InvalidOperationException(
            "PostgreSQL is not installed (no /usr/lib/postgresql/*/bin/initdb); install it with: apt-get install -y postgresql");
        var server = new PostgresServer(bin);
        try
        {
            System.IO.Directory.CreateDirectory(server.SocketDirectory);
            if (Environment.IsPrivilegedProcess)
            {
                await RunAsync("chown", ["-R", "postgres:postgres", server.Directory]);
            }

            await RunAsync(server.Command("initdb"), server.Args(["-D", server.DataDirectory, "-A", "trust", "-U", User, "-E", "UTF8", "--locale=C", "--no-sync"]));
            server.Start();
            await server.WaitUntilReadyAsync();
            return server;
        }
        catch
        {
            await server.DisposeAsync();
            throw;
        }
    }

    /// <summary>A new, empty database; returns its connection string.</summary>
    public async Task<string> CreateDatabaseAsync()
    {
        var name = $"audit_{Guid.NewGuid():N}";
        await using (var connection = new NpgsqlConnection(ConnectionString("postgres")))
        {
            await connection.OpenAsync();
            await using var command = connection.CreateCommand();
            command.CommandText = $"CREATE DATABASE {name}";
            await command.ExecuteNonQueryAsync();
        }

        return ConnectionString(name);
    }

    public string ConnectionString(string database) =>
        $"Host=127.0.0.1;Port={Port};Username={User};Database={database};Pooling=false;Timeout=15;Command Timeout=60";

    public ValueTask DisposeAsync()
    {
        AppDomain.CurrentDomain.ProcessExit -= OnProcessExit;
        Kill();
        try
        {
            System.IO.Directory.Delete(Directory, recursive: true);
        }
        catch (IOException)
        {
        }
        catch (UnauthorizedAccessException)
        {
        }

        return ValueTask.CompletedTask;
    }

    public string Log() => File.Exists(Path.Combine(Directory, "postgres.log")) ? File.ReadAllText(Path.Combine(Directory, "postgres.log")) : "(no log)";

    private string Command(string tool) => Environment.IsPrivilegedProcess ? "setpriv" : Path.Combine(BinDirectory, tool);

    private string[] Args(string[] toolArgs, string tool = "initdb") => Environment.IsPrivilegedProcess
        ? ["--reuid=postgres", "--regid=postgres", "--init-groups", "--", Path.Combine(BinDirectory, tool), .. toolArgs]
        : toolArgs;

    private void Start()
    {
        var start = new ProcessStartInfo(Command("postgres")) { UseShellExecute = false, RedirectStandardError = true, RedirectStandardOutput = true };
        foreach (var arg in Args(
        [
            "-D", DataDirectory, "-p", Port.ToString(System.Globalization.CultureInfo.InvariantCulture), "-k", SocketDirectory,
            "-c", "listen_addresses=127.0.0.1", "-c", "fsync=on", "-c", "synchronous_commit=on", "-c", "max_connections=200",
        ], "postgres"))
        {
            start.ArgumentList.Add(arg);
        }

        _process = Process.Start(start) ?? throw new InvalidOperationException("postgres did not start");
        _process.ErrorDataReceived += (_, e) => AppendLog(e.Data);
        _process.OutputDataReceived += (_, e) => AppendLog(e.Data);
        _process.BeginErrorReadLine();
        _process.BeginOutputReadLine();
    }

    private void AppendLog(string? line)
    {
        if (line is not null)
        {
            try
            {
                File.AppendAllText(Path.Combine(Directory, "postgres.log"), line + "\n");
            }
            catch (IOException)
            {
            }
        }
    }

    private async Task WaitUntilReadyAsync()
    {
        var deadline = DateTime.UtcNow + TimeSpan.FromSeconds(30);
        while (true)
        {
            if (_process!.HasExited)
            {
                throw new InvalidOperationException($"postgres exited with {_process.ExitCode}:\n{Log()}");
            }

            try
            {
                await using var connection = new NpgsqlConnection(ConnectionString("postgres"));
                await connection.OpenAsync();
                return;
            }
            catch (Exception) when (DateTime.UtcNow < deadline)
            {
                await Task.Delay(100);
            }
        }
    }

    /// <summary>Fast shutdown (SIGINT) so the postmaster reaps its own children; SIGKILL of the tree if it hangs.</summary>
    private void Kill()
    {
        if (_process is { HasExited: false } process)
        {
            try
            {
                using var interrupt = Process.Start(new ProcessStartInfo("kill", ["-INT", process.Id.ToString(System.Globalization.CultureInfo.InvariantCulture)]) { UseShellExecute = false });
                interrupt?.WaitForExit();
            }
            catch (System.ComponentModel.Win32Exception)
            {
            }

            if (!process.WaitForExit(TimeSpan.FromSeconds(10)))
            {
                process.Kill(entireProcessTree: true);
                process.WaitForExit();
            }
        }

        _process?.Dispose();
        _process = null;
    }

    private static async Task RunAsync(string file, string[] args)
    {
        var start = new ProcessStartInfo(file) { UseShellExecute = false, RedirectStandardOutput = true, RedirectStandardError = true };
        foreach (var arg in args)
        {
            start.ArgumentList.Add(arg);
        }

        using var process = Process.Start(start) ?? throw new InvalidOperationException($"{file} did not start");
        var stdout = process.StandardOutput.ReadToEndAsync();
        var stderr = process.StandardError.ReadToEndAsync();
        await process.WaitForExitAsync();
        if (process.ExitCode != 0)
        {
            throw new InvalidOperationException($"{file} {string.Join(' ', args)} exited with {process.ExitCode}:\n{await stdout}\n{await stderr}");
        }
    }

    private void OnProcessExit(object? sender, EventArgs e) => Kill();
}
