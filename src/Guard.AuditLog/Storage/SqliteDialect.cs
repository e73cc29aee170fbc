using System.Data.Common;
using Microsoft.Data.Sqlite;

namespace Guard.AuditLog.Storage;

/// <summary>
/// SQLite: WAL journal with synchronous=FULL, so each commit fsyncs the WAL before it returns. (NORMAL in WAL mode
/// survives a killed process but can lose the last commits on power loss; the log promises durability once an append
/// is acknowledged, so FULL.) Pooling is off so that a disposed log holds no file handles.
/// </summary>
internal sealed class SqliteDialect(string path) : SqlDialect
{
    private readonly string _connectionString = new SqliteConnectionStringBuilder
    {
        DataSource = path,
        Mode = SqliteOpenMode.ReadWriteCreate,
        Pooling = false,
        // Seconds a statement retries while another connection holds the write lock (retention vs the writer).
        DefaultTimeout = 30,
    }.ToString();

    public override string IdColumnDefinition => "INTEGER PRIMARY KEY AUTOINCREMENT";

    public override string BlobType => "BLOB";

    public override DbConnection CreateConnection() => new SqliteConnection(_connectionString);

    public override async Task PrepareConnectionAsync(DbConnection connection, CancellationToken cancellationToken)
    {
        await ExecuteAsync(connection, null, "PRAGMA journal_mode=WAL;", cancellationToken);
        await ExecuteAsync(connection, null, "PRAGMA synchronous=FULL;", cancellationToken);
    }

    /// <summary>Microsoft.Data.Sqlite begins transactions IMMEDIATE, which already takes the write lock.</summary>
    public override Task LockForMigrationAsync(DbConnection connection, DbTransaction transaction, CancellationToken cancellationToken) =>
        Task.CompletedTask;
}
