using System.Data.Common;
using System.Threading.Channels;

namespace Guard.AuditLog.Storage;

/// <summary>
/// The single writer: appends queue on a bounded channel; one loop takes whatever is queued (up to the batch size),
/// inserts it in one transaction and commits, then completes each append with its id. Callers therefore wait for
/// their own commit (nothing acknowledged is lost) while concurrent appends share one fsync (group commit). A failed
/// group is retried row by row so that one bad row fails only its own append.
/// </summary>
internal sealed class GroupCommitWriter : IAsyncDisposable
{
    private readonly SqlDialect _dialect;
    private readonly Func<CancellationToken, Task> _ensureSchema;
    private readonly int _maxBatchSize;
    private readonly Channel<PendingAppend> _queue;
    private readonly Task _loop;
    private DbConnection? _connection;

    public GroupCommitWriter(SqlDialect dialect, Func<CancellationToken, Task> ensureSchema, BlockedQueryLogOptions options)
    {
        ArgumentOutOfRangeException.ThrowIfLessThan(options.MaxBatchSize, 1);
        ArgumentOutOfRangeException.ThrowIfLessThan(options.QueueCapacity, 1);
        _dialect = dialect;
        _ensureSchema = ensureSchema;
        _maxBatchSize = options.MaxBatchSize;
        _queue = Channel.CreateBounded<PendingAppend>(new BoundedChannelOptions(options.QueueCapacity)
        {
            SingleReader = true,
            FullMode = BoundedChannelFullMode.Wait,
        });
        _loop = Task.Run(RunAsync);
    }

    /// <summary>Queues <paramref name="entry"/> (already normalised) and waits for its commit.</summary>
    public async ValueTask<long> AppendAsync(BlockedQuery entry, CancellationToken cancellationToken)
    {
        var pending = new PendingAppend(entry);
        try
        {
            await _queue.Writer.WriteAsync(pending, cancellationToken);
        }
        catch (ChannelClosedException)
        {
            throw new ObjectDisposedException(nameof(IBlockedQueryLog));
        }

        return await pending.Completion.Task.WaitAsync(cancellationToken);
    }

    /// <summary>Stops taking appends, commits everything already queued, and closes the connection.</summary>
    public async ValueTask DisposeAsync()
    {
        _queue.Writer.TryComplete();
        await _loop;
    }

    private async Task RunAsync()
    {
        var batch = new List<PendingAppend>(_maxBatchSize);
        var reader = _queue.Reader;
        while (await reader.WaitToReadAsync())
        {
            while (batch.Count < _maxBatchSize && reader.TryRead(out var pending))
            {
                batch.Add(pending);
            }

            await CommitGroupAsync(batch);
            batch.Clear();
        }

        await CloseAsync();
    }

    private async Task CommitGroupAsync(List<PendingAppend> batch)
    {
        try
        {
            var ids = await InsertAsync(batch);
            for (var i = 0; i < batch.Count; i++)
            {
                batch[i].Completion.TrySetResult(ids[i]);
            }

            return;
        }
        catch (Exception exception) when (batch.Count == 1)
        {
            batch[0].Completion.TrySetException(exception);
            return;
        }
        catch (Exception)
        {
            // Fall through: find which rows fail on their own.
        }

        foreach (var pending in batch)
        {
            try
            {
                var ids = await InsertAsync([pending]);
                pending.Completion.TrySetResult(ids[0]);
            }
            catch (Exception exception)
            {
                pending.Completion.TrySetException(exception);
            }
        }
    }

    private async Task<long[]> InsertAsync(IReadOnlyList<PendingAppend> batch)
    {
        try
        {
            await _ensureSchema(CancellationToken.None);
            _connection ??= await _dialect.OpenAsync(CancellationToken.None);
            await using var transaction = await _connection.BeginTransactionAsync();
            var ids = new long[batch.Count];
            for (var i = 0; i < batch.Count; i++)
            {
                await using var command = _connection.CreateCommand();
                command.Transaction = transaction;
                command.CommandText = BlockedQueryRows.InsertSql;
                BlockedQueryRows.Bind(command, batch[i].Entry);
                ids[i] = Convert.ToInt64(await command.ExecuteScalarAsync(), System.Globalization.CultureInfo.InvariantCulture);
            }

            await transaction.CommitAsync();
            return ids;
        }
        catch
        {
            // The connection may be broken (server restarted, disk error): start the next group on a fresh one.
            await CloseAsync();
            throw;
        }
    }

    private async Task CloseAsync()
    {
        if (_connection is { } connection)
        {
            _connection = null;
            await connection.DisposeAsync();
        }
    }

    private sealed class PendingAppend(BlockedQuery entry)
    {
        public BlockedQuery Entry { get; } = entry;

        public TaskCompletionSource<long> Completion { get; } = new(TaskCreationOptions.RunContinuationsAsynchronously);
    }
}
