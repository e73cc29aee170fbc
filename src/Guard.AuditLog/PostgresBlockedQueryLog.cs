using Guard.AuditLog.Storage;

namespace Guard.AuditLog;

/// <summary>The shared backend for several gateways: PostgreSQL through Npgsql, synchronous_commit on (see
/// <see cref="PostgresDialect"/>). The connection string is kept only inside Npgsql's data source, never logged.</summary>
public sealed class PostgresBlockedQueryLog : DbBlockedQueryLog
{
    private readonly PostgresDialect _dialect;

    /// <summary>Connects with <paramref name="connectionString"/> (an Npgsql connection string).</summary>
    public PostgresBlockedQueryLog(string connectionString, BlockedQueryLogOptions? options = null)
        : this(new PostgresDialect(Validate(connectionString)), options)
    {
    }

    private PostgresBlockedQueryLog(PostgresDialect dialect, BlockedQueryLogOptions? options)
        : base(dialect, options) => _dialect = dialect;

    private protected override async ValueTask DisposeCoreAsync()
    {
        await _dialect.DisposeAsync();
        await base.DisposeCoreAsync();
    }

    private static string Validate(string connectionString)
    {
        ArgumentException.ThrowIfNullOrWhiteSpace(connectionString);
        return connectionString;
    }
}
