using System.Data.Common;
using Guard.AuditLog.Storage;

namespace Guard.AuditLog;

/// <summary>
/// The blocked-query log over any ADO.NET provider; <see cref="SqliteBlockedQueryLog"/> and
/// <see cref="PostgresBlockedQueryLog"/> only choose the dialect. Appends go through the group-commit writer; reads
/// and retention use short-lived connections of their own, so a slow review query never delays the writer. The admin
/// audit trail (<see cref="AdminAudit"/>) lives in the same database and shares this log's connections and lifetime.
/// </summary>
public abstract class DbBlockedQueryLog : IBlockedQueryLog
{
    private readonly SqlDialect _dialect;
    private readonly BlockedQueryLogOptions _options;
    private readonly SchemaGate _schema;
    private readonly GroupCommitWriter _writer;
    private int _disposed;

    private protected DbBlockedQueryLog(SqlDialect dialect, BlockedQueryLogOptions? options)
    {
        _dialect = dialect;
        _options = options ?? new BlockedQueryLogOptions();
        ArgumentOutOfRangeException.ThrowIfNegative(_options.MaxSnapshotBytes);
        ArgumentNullException.ThrowIfNull(_options.TimeProvider);
        _schema = new SchemaGate(new SchemaMigrator(dialect, _options.TimeProvider));
        _writer = new GroupCommitWriter(dialect, _schema.EnsureAsync, _options);
        AdminAudit = new DbAdminAuditLog(OpenAsync);
    }

    /// <summary>The admin audit trail in this log's database; usable until this log is disposed.</summary>
    public IAdminAuditLog AdminAudit { get; }

    /// <summary>Creates or upgrades the schema now (otherwise the first call does), so that a bad connection string or
    /// an unwritable path fails at start-up rather than on the first blocked query.</summary>
    public Task InitializeAsync(CancellationToken cancellationToken = default) => _schema.EnsureAsync(cancellationToken);

    /// <inheritdoc />
    public ValueTask<long> AppendAsync(BlockedQuery entry, CancellationToken cancellationToken = default)
    {
        ObjectDisposedException.ThrowIf(Volatile.Read(ref _disposed) != 0, this);
        return _writer.AppendAsync(BlockedQueryNormalizer.Normalize(entry, _options.MaxSnapshotBytes), cancellationToken);
    }

    /// <inheritdoc />
    public async ValueTask<BlockedQueryPage> QueryAsync(BlockedQueryFilter filter, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(filter);
        ArgumentOutOfRangeException.ThrowIfLessThan(filter.PageSize, 1, nameof(filter));
        ArgumentOutOfRangeException.ThrowIfGreaterThan(filter.PageSize, BlockedQueryFilter.MaxPageSize, nameof(filter));
        await using var connection = await OpenAsync(cancellationToken);
        await using var command = connection.CreateCommand();
        PageQuery.Build(command, filter);
        var items = new List<BlockedQuery>(Math.Min(filter.PageSize + 1, 128));
        await using (var reader = await command.ExecuteReaderAsync(cancellationToken))
        {
            while (await reader.ReadAsync(cancellationToken))
            {
                items.Add(BlockedQueryRows.Read(reader));
            }
        }

        if (items.Count <= filter.PageSize)
        {
            return new BlockedQueryPage(items, null);
        }

        items.RemoveAt(items.Count - 1);
        var last = items[^1];
        return new BlockedQueryPage(items, new PageCursor(UnixMicros.From(last.TimeUtc), last.Id).Encode());
    }

    /// <inheritdoc />
    public async ValueTask<BlockedQuery?> GetAsync(long id, CancellationToken cancellationToken = default)
    {
        await using var connection = await OpenAsync(cancellationToken);
        await using var command = connection.CreateCommand();
        command.CommandText = $"SELECT {BlockedQueryRows.Columns} FROM blocked_queries WHERE id = @id";
        command.AddParameter("id", id);
        await using var reader = await command.ExecuteReaderAsync(cancellationToken);
        return await reader.ReadAsync(cancellationToken) ? BlockedQueryRows.Read(reader) : null;
    }

    /// <inheritdoc />
    public async ValueTask<int> ApplyRetentionAsync(TimeSpan maxAge, long? maxRows = null, CancellationToken cancellationToken = default)
    {
        ArgumentOutOfRangeException.ThrowIfLessThan(maxAge, TimeSpan.Zero);
        if (maxRows is { } rows)
        {
            ArgumentOutOfRangeException.ThrowIfNegative(rows, nameof(maxRows));
        }

        await using var connection = await OpenAsync(cancellationToken);
        await using var transaction = await connection.BeginTransactionAsync(cancellationToken);
        var cutoff = _options.TimeProvider.GetUtcNow() - maxAge;
        var deleted = await ExecuteAsync(connection, transaction, "DELETE FROM blocked_queries WHERE time_us < @cutoff_us",
            ("cutoff_us", UnixMicros.From(cutoff)), cancellationToken);
        if (maxRows is { } keep)
        {
            deleted += await TrimToAsync(connection, transaction, keep, cancellationToken);
        }

        await transaction.CommitAsync(cancellationToken);
        return deleted;
    }

    /// <summary>Stops accepting appends, commits the queued ones, and releases the database.</summary>
    public async ValueTask DisposeAsync()
    {
        if (Interlocked.Exchange(ref _disposed, 1) != 0)
        {
            return;
        }

        await _writer.DisposeAsync();
        _schema.Dispose();
        await DisposeCoreAsync();
        GC.SuppressFinalize(this);
    }

    /// <summary>Releases what the derived class holds (e.g. a data source), after the writer has drained.</summary>
    private protected virtual ValueTask DisposeCoreAsync() => ValueTask.CompletedTask;

    /// <summary>Deletes everything older than the newest <paramref name="keep"/> rows, found by its (time, id) keyset
    /// boundary so that the same SQL runs on both databases.</summary>
    private static async Task<int> TrimToAsync(DbConnection connection, DbTransaction transaction, long keep, CancellationToken cancellationToken)
    {
        long boundaryTime;
        long boundaryId;
        await using (var command = connection.CreateCommand())
        {
            command.Transaction = transaction;
            command.CommandText = "SELECT time_us, id FROM blocked_queries ORDER BY time_us DESC, id DESC LIMIT 1 OFFSET @keep";
            command.AddParameter("keep", keep);
            await using var reader = await command.ExecuteReaderAsync(cancellationToken);
            if (!await reader.ReadAsync(cancellationToken))
            {
                return 0;
            }

            boundaryTime = reader.GetInt64(0);
            boundaryId = reader.GetInt64(1);
        }

        await using var delete = connection.CreateCommand();
        delete.Transaction = transaction;
        delete.CommandText = "DELETE FROM blocked_queries WHERE time_us < @b_us OR (time_us = @b_us AND id <= @b_id)";
        delete.AddParameter("b_us", boundaryTime);
        delete.AddParameter("b_id", boundaryId);
        return await delete.ExecuteNonQueryAsync(cancellationToken);
    }

    private static async Task<int> ExecuteAsync(DbConnection connection, DbTransaction transaction, string sql, (string Name, object Value) parameter, CancellationToken cancellationToken)
    {
        await using var command = connection.CreateCommand();
        command.Transaction = transaction;
        command.CommandText = sql;
        command.AddParameter(parameter.Name, parameter.Value);
        return await command.ExecuteNonQueryAsync(cancellationToken);
    }

    private async Task<DbConnection> OpenAsync(CancellationToken cancellationToken)
    {
        ObjectDisposedException.ThrowIf(Volatile.Read(ref _disposed) != 0, this);
        await _schema.EnsureAsync(cancellationToken);
        return await _dialect.OpenAsync(cancellationToken);
    }
}
