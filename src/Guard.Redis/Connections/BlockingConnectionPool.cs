using System.Collections.Concurrent;
using Guard.Redis.Protocol;

namespace Guard.Redis.Connections;

/// <summary>
/// Dedicated connections for blocking commands (BLPOP and the like), which would stall every caller sharing a
/// pipelined connection. Up to the configured number are kept idle for reuse; more are opened when all are busy
/// and closed afterwards. A connection whose command failed, timed out or was cancelled may still be blocked on
/// the server, so it is closed rather than reused.
/// </summary>
internal sealed class BlockingConnectionPool(RedisEndPoint endPoint, RedisConnector connector) : IAsyncDisposable
{
    private readonly ConcurrentQueue<RedisConnection> _idle = new();
    private readonly ConcurrentDictionary<RedisConnection, byte> _open = new();
    private readonly int _keepIdle = connector.Options.BlockingPoolSize;
    private int _idleCount;
    private volatile bool _disposed;

    public async Task<RedisReply> ExecuteAsync(RedisCommand command, bool asking, CancellationToken cancellationToken)
    {
        var connection = Rent() ?? await OpenAsync(cancellationToken);
        RedisReply reply;
        try
        {
            var timeout = BlockingTimeout.For(command, connector.Options.CommandTimeout);
            reply = await connection.SendAsync(command, timeout, asking, cancellationToken);
        }
        catch
        {
            await DiscardAsync(connection);
            throw;
        }

        await ReturnAsync(connection);
        return reply;
    }

    public async ValueTask DisposeAsync()
    {
        _disposed = true;
        foreach (var connection in _open.Keys)
        {
            await DiscardAsync(connection);
        }
    }

    private RedisConnection? Rent()
    {
        while (_idle.TryDequeue(out var connection))
        {
            Interlocked.Decrement(ref _idleCount);
            if (connection.IsOpen)
            {
                return connection;
            }

            _ = DiscardAsync(connection).AsTask();
        }

        return null;
    }

    private async Task<RedisConnection> OpenAsync(CancellationToken cancellationToken)
    {
        ObjectDisposedException.ThrowIf(_disposed, this);
        var connection = await connector.ConnectAsync(endPoint, cancellationToken);
        _open.TryAdd(connection, 0);
        if (_disposed)
        {
            await DiscardAsync(connection);
            ObjectDisposedException.ThrowIf(_disposed, this);
        }

        return connection;
    }

    private ValueTask ReturnAsync(RedisConnection connection)
    {
        if (!_disposed && connection.IsOpen)
        {
            if (Interlocked.Increment(ref _idleCount) <= _keepIdle)
            {
                _idle.Enqueue(connection);
                return ValueTask.CompletedTask;
            }

            Interlocked.Decrement(ref _idleCount);
        }

        return DiscardAsync(connection);
    }

    private ValueTask DiscardAsync(RedisConnection connection)
    {
        _open.TryRemove(connection, out _);
        return connection.DisposeAsync();
    }
}
