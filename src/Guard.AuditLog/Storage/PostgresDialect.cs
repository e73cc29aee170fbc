using System.Data.Common;
using Npgsql;

namespace Guard.AuditLog.Storage;

/// <summary>
/// PostgreSQL through Npgsql. Every session sets synchronous_commit=on, so a commit returns only after its WAL is
/// flushed even if the server's default was relaxed. The connection string (which may hold a password) lives only
/// inside the data source and is never formatted into messages.
/// </summary>
internal sealed class PostgresDialect(string connectionString) : SqlDialect, IAsyncDisposable
{
    /// <summary>Arbitrary but fixed: the advisory lock key migrations hold ("GuardAud").</summary>
    private const long MigrationLockKey = 0x4775_6172_6441_7564;

    private readonly NpgsqlDataSource _dataSource = NpgsqlDataSource.Create(connectionString);

    public override string IdColumnDefinition => "BIGINT GENERATED ALWAYS AS IDENTITY PRIMARY KEY";

    public override string BlobType => "BYTEA";

    public override DbConnection CreateConnection() => _dataSource.CreateConnection();

    public override Task PrepareConnectionAsync(DbConnection connection, CancellationToken cancellationToken) =>
        ExecuteAsync(connection, null, "SET synchronous_commit TO on;", cancellationToken);

    public override async Task LockForMigrationAsync(DbConnection connection, DbTransaction transaction, CancellationToken cancellationToken)
    {
        await using var command = connection.CreateCommand();
        command.Transaction = transaction;
        command.CommandText = "SELECT pg_advisory_xact_lock(@key);";
        var key = command.CreateParameter();
        key.ParameterName = "key";
        key.Value = MigrationLockKey;
        command.Parameters.Add(key);
        await command.ExecuteNonQueryAsync(cancellationToken);
    }

    public ValueTask DisposeAsync() => _dataSource.DisposeAsync();
}
