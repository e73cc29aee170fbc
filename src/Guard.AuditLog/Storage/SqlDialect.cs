using System.Data.Common;

namespace Guard.AuditLog.Storage;

/// <summary>
/// The few places SQLite and PostgreSQL differ; everything else (schema, inserts, keyset queries, retention) is one
/// ADO.NET code path in <see cref="DbBlockedQueryLog"/>, so both backends behave the same by construction.
/// </summary>
internal abstract class SqlDialect
{
    /// <summary>The id column: an ever-increasing 64-bit key.</summary>
    public abstract string IdColumnDefinition { get; }

    /// <summary>The binary column type.</summary>
    public abstract string BlobType { get; }

    /// <summary>A new, closed connection.</summary>
    public abstract DbConnection CreateConnection();

    /// <summary>Session settings every connection needs (e.g. durability pragmas); runs right after open.</summary>
    public abstract Task PrepareConnectionAsync(DbConnection connection, CancellationToken cancellationToken);

    /// <summary>Serialises concurrent schema migrations (several gateways starting at once) inside
    /// <paramref name="transaction"/>.</summary>
    public abstract Task LockForMigrationAsync(DbConnection connection, DbTransaction transaction, CancellationToken cancellationToken);

    /// <summary>Opens and prepares a connection.</summary>
    public async Task<DbConnection> OpenAsync(CancellationToken cancellationToken)
    {
        var connection = CreateConnection();
        try
        {
            await connection.OpenAsync(cancellationToken);
            await PrepareConnectionAsync(connection, cancellationToken);
            return connection;
        }
        catch
        {
            await connection.DisposeAsync();
            throw;
        }
    }

    /// <summary>Runs one statement without parameters.</summary>
    protected static async Task ExecuteAsync(DbConnection connection, DbTransaction? transaction, string sql, CancellationToken cancellationToken)
    {
        await using var command = connection.CreateCommand();
        command.Transaction = transaction;
        command.CommandText = sql;
        await command.ExecuteNonQueryAsync(cancellationToken);
    }
}
