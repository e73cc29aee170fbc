using Guard.Redis.Protocol;
using Microsoft.Extensions.Logging;

namespace Guard.Redis.Connections;

/// <summary>
/// One Redis server: its shared pipelined connection, kept up by a background loop that reconnects with
/// exponential backoff, and its pool for blocking commands. While the server is unreachable commands fail at once
/// instead of queueing. Commands that arrive during a connect attempt are held in a backlog (bounded by
/// ConnectTimeout) so the first commands after start-up or recovery are not failed needlessly, and are written in
/// arrival order before the connection is published: a caller's SET-then-GET stays in that order.
/// </summary>
internal sealed partial class RedisNode : IAsyncDisposable
{
    private readonly RedisConnector _connector;
    private readonly ILogger _logger;
    private readonly BlockingConnectionPool _blocking;
    private readonly CancellationTokenSource _stopping = new();
    private readonly Lock _gate = new();
    private readonly List<PendingCommand> _backlog = [];
    private RedisConnection? _connection;
    private TaskCompletionSource<RedisConnection?>? _attempt;
    private Exception? _lastError;
    private Task? _maintenance;

    public RedisNode(RedisEndPoint endPoint, RedisConnector connector, ILogger logger)
    {
        EndPoint = endPoint;
        _connector = connector;
        _logger = logger;
        _blocking = new BlockingConnectionPool(endPoint, connector);
    }

    public RedisEndPoint EndPoint { get; }

    public bool IsConnected => Volatile.Read(ref _connection) is { IsOpen: true };

    /// <summary>Starts connecting (once); later calls do nothing.</summary>
    public void Start()
    {
        lock (_gate)
        {
            if (_maintenance is null && !_stopping.IsCancellationRequested)
            {
                _attempt = new TaskCompletionSource<RedisConnection?>(TaskCreationOptions.RunContinuationsAsynchronously);

                // The loop outlives the command that happened to start it; it must not carry that caller's context (trace, scopes).
                using (ExecutionContext.SuppressFlow())
                {
                    _maintenance = Task.Run(MaintainAsync);
                }
            }
        }
    }

    /// <summary>Sends a command over the shared connection; the reply may be an Error reply.</summary>
    public Task<RedisReply> ExecuteAsync(RedisCommand command, bool asking, CancellationToken cancellationToken)
    {
        var connection = Volatile.Read(ref _connection);
        return connection is { IsOpen: true }
            ? connection.SendAsync(command, _connector.Options.CommandTimeout, asking, cancellationToken)
            : ExecuteWhileDisconnected(command, asking, cancellationToken);
    }

    /// <summary>Runs a blocking command on a pooled connection of its own; fails fast like any command while the node is down.</summary>
    public async Task<RedisReply> ExecuteBlockingAsync(RedisCommand command, bool asking, CancellationToken cancellationToken)
    {
        await ConnectedAsync(cancellationToken);
        return await _blocking.ExecuteAsync(command, asking, cancellationToken);
    }

    public async ValueTask DisposeAsync()
    {
        Task? maintenance;
        RedisConnection? connection;
        lock (_gate)
        {
            if (_stopping.IsCancellationRequested)
            {
                return;
            }

            _stopping.Cancel();
            maintenance = _maintenance;
            connection = _connection;
        }

        connection?.Close(new RedisConnectionException($"The Redis client was disposed; the command to {EndPoint} was abandoned."));
        if (maintenance is not null)
        {
            await maintenance;
        }

        await _blocking.DisposeAsync();
        _stopping.Dispose();
    }

    private Task<RedisReply> ExecuteWhileDisconnected(RedisCommand command, bool asking, CancellationToken cancellationToken)
    {
        if (cancellationToken.IsCancellationRequested)
        {
            return Task.FromCanceled<RedisReply>(cancellationToken);
        }

        Start();
        lock (_gate)
        {
            if (_stopping.IsCancellationRequested)
            {
                return Task.FromException<RedisReply>(Disposed());
            }

            if (_connection is { IsOpen: true } connection)
            {
                return connection.SendAsync(command, _connector.Options.CommandTimeout, asking, cancellationToken);
            }

            if (_attempt is null)
            {
                return Task.FromException<RedisReply>(NotConnected());
            }

            var pending = new PendingCommand { Command = command, Asking = asking };
            pending.WatchCancellation(cancellationToken);
            _backlog.Add(pending);
            return pending.Task;
        }
    }

    /// <summary>Writes the backlog, in order, to the new connection, or fails it; called under the gate.</summary>
    private List<PendingCommand>? DrainBacklog(RedisConnection? connection)
    {
        List<PendingCommand>? failed = null;
        foreach (var pending in _backlog)
        {
            if (pending.Task.IsCompleted)
            {
                continue;
            }

            if (connection is not null)
            {
                connection.Send(pending.Command!, _connector.Options.CommandTimeout, pending.Asking, pending);
            }
            else
            {
                (failed ??= []).Add(pending);
            }
        }

        _backlog.Clear();
        return failed;
    }

    /// <summary>Fails each with its own exception: one instance rethrown by many awaiters would mix their stack traces.</summary>
    private static void Fail(List<PendingCommand>? failed, Func<RedisConnectionException> error)
    {
        foreach (var pending in failed ?? [])
        {
            pending.Fail(error());
        }
    }

    private async Task<RedisConnection> ConnectedAsync(CancellationToken cancellationToken)
    {
        Start();
        Task<RedisConnection?>? attempt;
        lock (_gate)
        {
            if (_stopping.IsCancellationRequested)
            {
                throw Disposed();
            }

            if (_connection is { IsOpen: true } open)
            {
                return open;
            }

            attempt = _attempt?.Task;
        }

        var connection = attempt is null ? null : await attempt.WaitAsync(cancellationToken);
        return connection is { IsOpen: true } ? connection : throw NotConnected();
    }

    private RedisConnectionException Disposed() => new($"The Redis client was disposed; nothing more is sent to {EndPoint}.");

    private RedisConnectionException NotConnected()
    {
        var last = Volatile.Read(ref _lastError);
        return last is null
            ? new RedisConnectionException($"Redis {EndPoint} is not connected; reconnecting.")
            : new RedisConnectionException($"Redis {EndPoint} is not connected ({last.Message}); reconnecting.", last);
    }

    /// <summary>Connect, hold the connection until it breaks, wait the backoff, repeat; until disposed. Never throws.</summary>
    private async Task MaintainAsync()
    {
        var options = _connector.Options;
        var backoff = options.ReconnectMinBackoff;
        var failures = 0;
        try
        {
            while (true)
            {
                TaskCompletionSource<RedisConnection?> attempt;
                lock (_gate)
                {
                    attempt = _attempt ??= new TaskCompletionSource<RedisConnection?>(TaskCreationOptions.RunContinuationsAsynchronously);
                }

                RedisConnection? connection = null;
                try
                {
                    connection = await _connector.ConnectAsync(EndPoint, _stopping.Token);
                }
                catch (OperationCanceledException) when (_stopping.IsCancellationRequested)
                {
                }
                catch (Exception e)
                {
                    Volatile.Write(ref _lastError, e);
                    failures++;
                    LogConnectFailed(_logger, EndPoint.ToString(), failures, backoff.TotalMilliseconds, e.Message);
                }

                bool stopping;
                List<PendingCommand>? failed;
                lock (_gate)
                {
                    stopping = _stopping.IsCancellationRequested;
                    failed = DrainBacklog(stopping ? null : connection);
                    _connection = stopping ? null : connection;
                    _attempt = null;
                }

                Fail(failed, stopping ? Disposed : NotConnected);
                attempt.TrySetResult(stopping ? null : connection);
                if (stopping)
                {
                    if (connection is not null)
                    {
                        await connection.DisposeAsync();
                    }

                    return;
                }

                if (connection is not null)
                {
                    LogConnected(_logger, EndPoint.ToString(), options.Protocol, options.Tls is not null);
                    failures = 0;
                    backoff = options.ReconnectMinBackoff;
                    await connection.Closed;
                    lock (_gate)
                    {
                        _connection = null;
                    }

                    Volatile.Write(ref _lastError, connection.CloseReason);
                    await connection.DisposeAsync();
                    if (_stopping.IsCancellationRequested)
                    {
                        return;
                    }

                    LogConnectionLost(_logger, EndPoint.ToString(), connection.CloseReason?.Message ?? "closed");
                }

                await Task.Delay(Jitter(backoff), _stopping.Token);
                if (connection is null)
                {
                    backoff = TimeSpan.FromTicks(Math.Min(backoff.Ticks * 2, options.ReconnectMaxBackoff.Ticks));
                }
            }
        }
        catch (OperationCanceledException) when (_stopping.IsCancellationRequested)
        {
        }
        catch (Exception e)
        {
            // A background loop must never fault: nobody awaits it until dispose.
            LogMaintenanceFailed(_logger, EndPoint.ToString(), e);
        }
        finally
        {
            List<PendingCommand>? failed;
            lock (_gate)
            {
                _attempt?.TrySetResult(null);
                _attempt = null;
                failed = DrainBacklog(null);
            }

            Fail(failed, Disposed);
        }
    }

    /// <summary>±20 % so that many clients cut off by one outage do not reconnect in lockstep.</summary>
    private static TimeSpan Jitter(TimeSpan delay) =>
#pragma warning disable CA5394 // Spreading retries needs no cryptographic randomness.
        delay * (0.8 + (Random.Shared.NextDouble() * 0.4));
#pragma warning restore CA5394

    [LoggerMessage(Level = LogLevel.Information, Message = "Connected to Redis {Endpoint} (RESP{Protocol}, TLS {Tls})")]
    private static partial void LogConnected(ILogger logger, string endpoint, int protocol, bool tls);

    [LoggerMessage(Level = LogLevel.Warning, Message = "Could not connect to Redis {Endpoint} (attempt {Attempt}; next in about {BackoffMs} ms): {Reason}")]
    private static partial void LogConnectFailed(ILogger logger, string endpoint, int attempt, double backoffMs, string reason);

    [LoggerMessage(Level = LogLevel.Warning, Message = "Lost the connection to Redis {Endpoint}: {Reason}; reconnecting")]
    private static partial void LogConnectionLost(ILogger logger, string endpoint, string reason);

    [LoggerMessage(Level = LogLevel.Error, Message = "The connection loop for Redis {Endpoint} failed unexpectedly")]
    private static partial void LogMaintenanceFailed(ILogger logger, string endpoint, Exception exception);
}
