using System.Runtime.InteropServices;
using System.Text.Json;
using Guard.AuditLog;
using Guard.Integration.Tests.Infrastructure;
using Guard.Rpc;
using Guard.Rpc.Client;
using Guard.TestSupport;

namespace Guard.Integration.Tests.Embedded;

/// <summary>
/// The blocked-query log as a running Guard writes it: a refusal the client received is a committed row even when the
/// process is killed right after, and <c>guard log list|show|export</c> read it back with filters.
/// </summary>
public sealed class BlockedQueryLogThroughGuardTests : IDisposable
{
    private static readonly TimeSpan CliTimeout = TimeSpan.FromSeconds(90);
    private readonly TempModelRepository _repository = new();

    public BlockedQueryLogThroughGuardTests() => _repository.AddDemo("fashion_cnn");

    public void Dispose() => _repository.Dispose();

    private string Yaml(string logPath) => _repository.ModelHostYaml() + $$"""
        models:
          fashion_cnn: { upstream: embedded, policy: guarded }
        policies:
          guarded:
            fingerprint: { enabled: true, action: reject }
        queryPatterns:
          secret: integration-test-secret-0123456789
        blockedQueryLog:
          path: {{logPath}}
        """;

    /// <summary>Near-duplicate attack queries from eval image <paramref name="start"/>; returns the inputs Guard refused.</summary>
    private static async Task<List<float[]>> AttackAsync(Uri guard, int start, int queries)
    {
        using var channel = new GrpcChannel(guard, new GrpcChannelOptions());
        var random = new Random(start);
        var current = DemoSet.Image(start);
        var refused = new List<float[]>();
        for (var query = 0; query < queries; query++)
        {
            try
            {
                await channel.UnaryAsync(ClientMethods.Infer, EmbeddedModelHostTests.FashionRequest("fashion_cnn", current, 1), new CallOptions(new Metadata(), DateTime.UtcNow.AddSeconds(30)));
            }
            catch (RpcException ex) when (ex.StatusCode == StatusCode.PermissionDenied)
            {
                refused.Add(current);
            }

            current = FashionQueries.Step(current, random);
        }

        return refused;
    }

    [Fact]
    public async Task A_killed_guard_loses_no_row_of_a_refusal_its_client_received()
    {
        var directory = Directory.CreateTempSubdirectory("guard-log-kill-").FullName;
        var logPath = Path.Combine(directory, "blocked.db");
        try
        {
            var guard = await GuardProcess.StartAsync(Yaml(logPath));
            List<float[]> refused;
            try
            {
                refused = await AttackAsync(guard.GrpcUri, 120, 30);
            }
            finally
            {
                // No graceful stop: whatever the log had not committed when the client got its answer would be lost here.
                await guard.KillAsync();
                await guard.DisposeAsync();
            }

            Assert.InRange(refused.Count, 20, 29);
            await using var log = new SqliteBlockedQueryLog(logPath);
            var hashes = new HashSet<string>();
            await foreach (var row in log.ReadAllAsync(new BlockedQueryFilter { Model = "fashion_cnn" }))
            {
                hashes.Add(row.InputHash);
            }

            Assert.All(refused, image => Assert.Contains(InputHash.Compute(MemoryMarshal.AsBytes(image.AsSpan())), hashes));
        }
        finally
        {
            Directory.Delete(directory, recursive: true);
        }
    }

    [Fact]
    public async Task With_the_postgres_backend_detections_land_in_postgres_and_the_cli_reads_them_there()
    {
        await using var postgres = await PostgresServer.StartAsync();
        var connectionString = await postgres.CreateDatabaseAsync();
        var directory = Directory.CreateTempSubdirectory("guard-log-pg-").FullName;
        try
        {
            var config = Path.Combine(directory, "guard.yaml");
            await File.WriteAllTextAsync(config, Yaml(Path.Combine(directory, "unused.db")).Replace(
                "blockedQueryLog:\n", "blockedQueryLog:\n  backend: postgres\n", StringComparison.Ordinal));
            var overrides = new Dictionary<string, string?> { ["blockedQueryLog:connectionString"] = connectionString };
            List<float[]> refused;
            await using (var guard = await GuardServer.StartAsync(await File.ReadAllTextAsync(config), overrides))
            {
                refused = await AttackAsync(guard.GrpcUri, 300, 10);
            }

            Assert.NotEmpty(refused);
            Assert.False(File.Exists(Path.Combine(directory, "unused.db")));
            await using (var log = new PostgresBlockedQueryLog(connectionString))
            {
                var rows = (await log.QueryAsync(new BlockedQueryFilter { Guard = "fingerprint" })).Items;
                Assert.Equal(refused.Count, rows.Count);
                Assert.Equal(
                    refused.Select(i => InputHash.Compute(MemoryMarshal.AsBytes(i.AsSpan()))).Order(StringComparer.Ordinal),
                    rows.Select(r => r.InputHash).Order(StringComparer.Ordinal));
            }

            // The connection string (with its secrets) comes from the environment, as documented.
            var list = await GuardCli.RunAsync(directory, CliTimeout, new Dictionary<string, string> { ["GUARD_blockedQueryLog__connectionString"] = connectionString }, "log", "list", "--config", config);
            Assert.True(list.ExitCode == 0, list.ToString());
            Assert.Contains($"{refused.Count} rows", list.Stderr, StringComparison.Ordinal);
        }
        finally
        {
            Directory.Delete(directory, recursive: true);
        }
    }

    [Fact]
    public async Task Cli_lists_shows_and_exports_the_rows_a_guard_wrote_with_filters()
    {
        var directory = Directory.CreateTempSubdirectory("guard-log-cli-").FullName;
        try
        {
            var config = Path.Combine(directory, "guard.yaml");
            await File.WriteAllTextAsync(config, Yaml(Path.Combine(directory, "blocked.db")));
            await using (var guard = await GuardServer.StartAsync(await File.ReadAllTextAsync(config), new Dictionary<string, string?> { ["blockedQueryLog:path"] = Path.Combine(directory, "blocked.db") }))
            {
                Assert.NotEmpty(await AttackAsync(guard.GrpcUri, 200, 8));
            }

            var list = await GuardCli.RunAsync(directory, CliTimeout, "log", "list", "--config", config, "--model", "fashion_cnn", "--guard", "fingerprint");
            Assert.True(list.ExitCode == 0, list.ToString());
            var lines = list.Stdout.Split('\n', StringSplitOptions.RemoveEmptyEntries);
            Assert.Contains("threshold", lines[0], StringComparison.Ordinal);
            Assert.True(lines.Length >= 2, list.ToString());
            Assert.All(lines.Skip(1), l => Assert.Contains("fingerprint", l, StringComparison.Ordinal));

            var none = await GuardCli.RunAsync(directory, CliTimeout, "log", "list", "--config", config, "--client", "key:nobody");
            Assert.Equal(0, none.ExitCode);
            Assert.Contains("0 rows", none.Stderr, StringComparison.Ordinal);

            var csvPath = Path.Combine(directory, "export.csv");
            var csv = await GuardCli.RunAsync(directory, CliTimeout, "log", "export", "--config", config, "--format", "csv", "-o", csvPath, "--action", "reject");
            Assert.True(csv.ExitCode == 0, csv.ToString());
            var csvLines = await File.ReadAllLinesAsync(csvPath);
            Assert.StartsWith("id,time_utc,request_id,client_id", csvLines[0], StringComparison.Ordinal);
            Assert.Equal(lines.Length - 1, csvLines.Length - 1);

            var json = await GuardCli.RunAsync(directory, CliTimeout, "log", "export", "--config", config);
            Assert.True(json.ExitCode == 0, json.ToString());
            using var document = JsonDocument.Parse(json.Stdout);
            Assert.Equal(lines.Length - 1, document.RootElement.GetArrayLength());
            var firstId = document.RootElement[0].GetProperty("id").GetInt64();

            var show = await GuardCli.RunAsync(directory, CliTimeout, "log", "show", "--config", config, firstId.ToString(System.Globalization.CultureInfo.InvariantCulture));
            Assert.True(show.ExitCode == 0, show.ToString());
            using var shown = JsonDocument.Parse(show.Stdout);
            Assert.Equal(firstId, shown.RootElement[0].GetProperty("id").GetInt64());

            var bad = await GuardCli.RunAsync(directory, CliTimeout, "log", "list", "--config", config, "--action", "explode");
            Assert.Equal(2, bad.ExitCode);
            Assert.Contains("Unknown block action 'explode'", bad.Stderr, StringComparison.Ordinal);

            var missing = await GuardCli.RunAsync(directory, CliTimeout, "log", "show", "--config", config, "999999");
            Assert.Equal(2, missing.ExitCode);
            Assert.Contains("no row 999999", missing.Stderr, StringComparison.Ordinal);
        }
        finally
        {
            Directory.Delete(directory, recursive: true);
        }
    }
}
