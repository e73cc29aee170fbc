using Guard.AuditLog.Tests.Support;

namespace Guard.AuditLog.Tests;

/// <summary>The behaviour suite on a real PostgreSQL server (one per class, a database per test).</summary>
public sealed class PostgresBlockedQueryLogTests(PostgresFixture postgres) : BlockedQueryLogBehaviourTests, IClassFixture<PostgresFixture>
{
    protected override async Task<Func<BlockedQueryLogOptions?, DbBlockedQueryLog>> NewDatabaseAsync()
    {
        var connectionString = await postgres.Server.CreateDatabaseAsync();
        return options => new PostgresBlockedQueryLog(connectionString, options);
    }

    [Fact]
    public async Task Concurrent_starters_migrate_the_schema_once()
    {
        var connectionString = await postgres.Server.CreateDatabaseAsync();
        var logs = Enumerable.Range(0, 4).Select(_ => new PostgresBlockedQueryLog(connectionString)).ToArray();
        await Task.WhenAll(logs.Select(l => l.InitializeAsync()));
        foreach (var log in logs)
        {
            await log.DisposeAsync();
        }

        await using var connection = new Npgsql.NpgsqlConnection(connectionString);
        await connection.OpenAsync();
        await using var command = connection.CreateCommand();
        command.CommandText = "SELECT COUNT(*) FROM guard_audit_schema";
        Assert.Equal((long)Storage.SchemaMigrator.CurrentVersion, await command.ExecuteScalarAsync());
    }
}
