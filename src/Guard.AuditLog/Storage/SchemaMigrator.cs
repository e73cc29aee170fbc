using System.Data.Common;
using System.Globalization;

namespace Guard.AuditLog.Storage;

/// <summary>
/// Creates and upgrades the schema. <c>guard_audit_schema</c> records each applied version; migrations run in one
/// transaction under the dialect's migration lock, so concurrent starters apply each version once. A database whose
/// version is newer than this build knows is refused rather than written with an older layout. Steps are only ever
/// appended: a released step's statements never change, so every database reaches the same layout.
/// </summary>
/// <param name="dialect">The database.</param>
/// <param name="timeProvider">Stamps each applied version.</param>
/// <param name="targetVersion">Stop after this version; below <see cref="CurrentVersion"/> only to build a database as an
/// older release left it (upgrade tests).</param>
internal sealed class SchemaMigrator(SqlDialect dialect, TimeProvider timeProvider, int targetVersion = SchemaMigrator.CurrentVersion)
{
    /// <summary>The version this build writes.</summary>
    public const int CurrentVersion = 3;

    public async Task MigrateAsync(CancellationToken cancellationToken)
    {
        await using var connection = await dialect.OpenAsync(cancellationToken);
        await using var transaction = await connection.BeginTransactionAsync(cancellationToken);
        await dialect.LockForMigrationAsync(connection, transaction, cancellationToken);
        await ExecuteAsync(connection, transaction,
            "CREATE TABLE IF NOT EXISTS guard_audit_schema (version INTEGER NOT NULL PRIMARY KEY, applied_us BIGINT NOT NULL)",
            cancellationToken);
        var version = await CurrentVersionAsync(connection, transaction, cancellationToken);
        if (version > CurrentVersion)
        {
            throw new InvalidOperationException(
                $"The audit log schema is at version {version}, newer than this build's {CurrentVersion}; refusing to write to it.");
        }

        foreach (var (target, statements) in Migrations())
        {
            if (target <= version || target > targetVersion)
            {
                continue;
            }

            foreach (var statement in statements)
            {
                await ExecuteAsync(connection, transaction, statement, cancellationToken);
            }

            await ExecuteAsync(connection, transaction, string.Create(CultureInfo.InvariantCulture,
                $"INSERT INTO guard_audit_schema (version, applied_us) VALUES ({target}, {UnixMicros.From(timeProvider.GetUtcNow())})"),
                cancellationToken);
        }

        await transaction.CommitAsync(cancellationToken);
    }

    private IEnumerable<(int Version, string[] Statements)> Migrations()
    {
        yield return (1,
        [
            $"""
            CREATE TABLE blocked_queries (
                id {dialect.IdColumnDefinition},
                time_us BIGINT NOT NULL,
                request_id TEXT NOT NULL,
                client_id TEXT NOT NULL,
                model TEXT NOT NULL,
                model_version TEXT NOT NULL,
                guard TEXT NOT NULL,
                score DOUBLE PRECISION NOT NULL,
                threshold DOUBLE PRECISION NOT NULL,
                action TEXT NOT NULL,
                matched_ids TEXT NOT NULL,
                input_hash TEXT NOT NULL,
                snapshot_datatype TEXT NULL,
                snapshot_shape TEXT NULL,
                snapshot_encoding TEXT NULL,
                snapshot_length BIGINT NULL,
                snapshot_data {dialect.BlobType} NULL
            )
            """,
            "CREATE INDEX ix_blocked_queries_time ON blocked_queries (time_us, id)",
            "CREATE INDEX ix_blocked_queries_client ON blocked_queries (client_id, time_us, id)",
            "CREATE INDEX ix_blocked_queries_model ON blocked_queries (model, time_us, id)",
            "CREATE INDEX ix_blocked_queries_guard ON blocked_queries (guard, time_us, id)",
            "CREATE INDEX ix_blocked_queries_action ON blocked_queries (action, time_us, id)",
            "CREATE INDEX ix_blocked_queries_input_hash ON blocked_queries (input_hash)",
        ]);

        // The admin audit trail (who changed policies, banned clients, logged in), read newest first by id.
        // "user" is reserved in PostgreSQL, hence user_name.
        yield return (2,
        [
            $"""
            CREATE TABLE admin_audit (
                id {dialect.IdColumnDefinition},
                time_us BIGINT NOT NULL,
                user_name TEXT NOT NULL,
                role TEXT NOT NULL,
                action TEXT NOT NULL,
                target TEXT NOT NULL,
                detail TEXT NOT NULL,
                reason TEXT NOT NULL,
                outcome TEXT NOT NULL
            )
            """,
            "CREATE INDEX ix_admin_audit_user ON admin_audit (user_name, id)",
            "CREATE INDEX ix_admin_audit_action ON admin_audit (action, id)",
        ]);

        // Request-id lookups: a blocked query's detail view finds the logged rows of its matched earlier requests.
        yield return (3,
        [
            "CREATE INDEX ix_blocked_queries_request ON blocked_queries (request_id)",
        ]);
    }

    private static async Task<int> CurrentVersionAsync(DbConnection connection, DbTransaction transaction, CancellationToken cancellationToken)
    {
        await using var command = connection.CreateCommand();
        command.Transaction = transaction;
        command.CommandText = "SELECT MAX(version) FROM guard_audit_schema";
        var result = await command.ExecuteScalarAsync(cancellationToken);
        return result is null or DBNull ? 0 : Convert.ToInt32(result, CultureInfo.InvariantCulture);
    }

    private static async Task ExecuteAsync(DbConnection connection, DbTransaction transaction, string sql, CancellationToken cancellationToken)
    {
        await using var command = connection.CreateCommand();
        command.Transaction = transaction;
        command.CommandText = sql;
        await command.ExecuteNonQueryAsync(cancellationToken);
    }
}
