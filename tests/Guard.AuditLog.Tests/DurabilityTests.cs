using System.Diagnostics;
using System.Globalization;

namespace Guard.AuditLog.Tests;

/// <summary>
/// Nothing acknowledged is lost: a child process appends and prints each acknowledged id; it is SIGKILLed mid-stream
/// (no dispose, no flush), and the reopened database must hold every id it printed.
/// </summary>
public sealed class DurabilityTests : IDisposable
{
    private readonly DirectoryInfo _directory = Directory.CreateTempSubdirectory("guard-audit-kill-");

    public void Dispose() => _directory.Delete(recursive: true);

    [Fact]
    public async Task Every_acknowledged_row_survives_a_sigkill()
    {
        var path = Path.Combine(_directory.FullName, "audit.db");
        var start = new ProcessStartInfo(Environment.GetEnvironmentVariable("DOTNET_HOST_PATH") ?? "dotnet")
        {
            UseShellExecute = false,
            RedirectStandardOutput = true,
            RedirectStandardError = true,
        };
        foreach (var arg in new[] { "exec", typeof(Program).Assembly.Location, Program.AppendUntilKilled, path })
        {
            start.ArgumentList.Add(arg);
        }

        var acknowledged = new List<long>();
        using var child = Process.Start(start) ?? throw new InvalidOperationException("child did not start");
        var stderr = child.StandardError.ReadToEndAsync();
        try
        {
            using var timeout = new CancellationTokenSource(TimeSpan.FromSeconds(60));
            while (acknowledged.Count < 2000)
            {
                var line = await child.StandardOutput.ReadLineAsync(timeout.Token)
                    ?? throw new InvalidOperationException($"child ended early: {await stderr}");
                acknowledged.Add(long.Parse(line.AsSpan(4), CultureInfo.InvariantCulture));
            }
        }
        finally
        {
            child.Kill(); // SIGKILL on Unix.
        }

        // Acks already in the pipe when the kill landed were acknowledged too.
        while (await child.StandardOutput.ReadLineAsync() is { } line)
        {
            if (line.StartsWith("ack ", StringComparison.Ordinal) && long.TryParse(line.AsSpan(4), CultureInfo.InvariantCulture, out var id))
            {
                acknowledged.Add(id);
            }
        }

        await child.WaitForExitAsync();
        Assert.Equal(128 + 9, child.ExitCode);

        await using var log = new SqliteBlockedQueryLog(path);
        var stored = (await log.ReadAllAsync(new BlockedQueryFilter { PageSize = 1000 }).ToListAsync()).Select(r => r.Id).ToHashSet();
        Assert.True(stored.Count >= 2000, $"only {stored.Count} rows stored");
        var lost = acknowledged.Where(id => !stored.Contains(id)).ToArray();
        Assert.True(lost.Length == 0, $"{lost.Length} of {acknowledged.Count} acknowledged rows lost, e.g. {string.Join(',', lost.Take(10))}");
    }
}
