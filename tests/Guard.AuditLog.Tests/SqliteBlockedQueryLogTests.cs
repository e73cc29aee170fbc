namespace Guard.AuditLog.Tests;

/// <summary>The behaviour suite on SQLite files in a temporary directory per test class instance.</summary>
public sealed class SqliteBlockedQueryLogTests : BlockedQueryLogBehaviourTests, IDisposable
{
    private readonly DirectoryInfo _directory = Directory.CreateTempSubdirectory("guard-audit-");

    protected override Task<Func<BlockedQueryLogOptions?, DbBlockedQueryLog>> NewDatabaseAsync()
    {
        var path = Path.Combine(_directory.FullName, $"{Guid.NewGuid():N}", "audit.db");
        return Task.FromResult<Func<BlockedQueryLogOptions?, DbBlockedQueryLog>>(options => new SqliteBlockedQueryLog(path, options));
    }

    public void Dispose() => _directory.Delete(recursive: true);

    [Fact]
    public async Task The_database_is_in_wal_mode_with_full_sync_and_a_schema_version()
    {
        var path = Path.Combine(_directory.FullName, "check.db");
        await using (var log = new SqliteBlockedQueryLog(path))
        {
            await log.InitializeAsync();
        }

        await using var log2 = new SqliteBlockedQueryLog(path);
        await log2.InitializeAsync();
        using var connection = new Microsoft.Data.Sqlite.SqliteConnection($"Data Source={path};Pooling=false");
        connection.Open();
        using var command = connection.CreateCommand();
        command.CommandText = "PRAGMA journal_mode";
        Assert.Equal("wal", command.ExecuteScalar());
        command.CommandText = "SELECT COUNT(*) || ':' || MAX(version) FROM guard_audit_schema";
        var current = Storage.SchemaMigrator.CurrentVersion;
        Assert.Equal($"{current}:{current}", command.ExecuteScalar());
    }
}
