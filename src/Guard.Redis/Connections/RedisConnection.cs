using System.Buffers;
using System.Collections.Concurrent;
using System.IO.Pipelines;
using Guard.Redis.Protocol;
using Guard.Redis.PubSub;
using Microsoft.Extensions.Logging;

namespace Guard.Redis.Connections;

/// <summary>
/// One multiplexed, pipelined connection. Callers append encoded commands to a shared buffer under a short lock
/// (a memory copy, never I/O) and queue their pending reply in the same critical section, so the byte order on the
/// wire and the reply queue agree. A single write loop sends whatever accumulated while the previous write was in
/// flight, which batches naturally under load without delaying a lone command; a single read loop parses replies
/// and completes them first in, first out.
/// </summary>
/// <remarks>
/// Because replies can only be matched by position, a command that gets no reply in time leaves the connection
/// unusable: the timeout check closes it, failing everything queued, and its owner reconnects.
/// A subscriber's connection (one given a message sink) also carries published messages, which answer no command:
/// they go to the sink and never into the reply queue, while subscription confirmations, one per SUBSCRIBE of one
/// channel, answer their command as any reply does.
/// </remarks>
internal sealed partial class RedisConnection : IAsyncDisposable
{
    private const int InitialBufferSize = 16 * 1024;

    /// <summary>A write buffer grown past this (a huge value went out) is dropped rather than kept for good.</summary>
    private const int KeepBufferBelow = 1024 * 1024;

    private static readonly RedisCommand Asking = RedisCommand.Create(["ASKING"]);

    private readonly Stream _stream;
    private readonly PipeReader _reader;
    private readonly ILogger _logger;
    private readonly Action<RedisReply>? _onPublished;
    private readonly ConcurrentQueue<PendingCommand> _pending = new();
    private readonly Lock _writeLock = new();
    private readonly SemaphoreSlim _flushSignal = new(0);
    private readonly TaskCompletionSource _closed = new(TaskCreationOptions.RunContinuationsAsynchronously);
    private readonly Timer _timeoutCheck;
    private readonly TimeSpan _checkPeriod;
    private ArrayBufferWriter<byte> _buffer = new(InitialBufferSize);
    private bool _flushScheduled;
    private volatile bool _isClosed;
    private Exception? _closeReason;
    private Task _readLoop = Task.CompletedTask;
    private Task _writeLoop = Task.CompletedTask;

    /// <param name="checkPeriod">How often the oldest pending command's deadline is checked.</param>
    /// <param name="onPublished">For a subscriber's connection: receives each published message frame, on the read
    /// loop (so it must be quick); an exception from it closes the connection with that exception as the reason.</param>
    public RedisConnection(Stream stream, RedisEndPoint endPoint, TimeSpan checkPeriod, ILogger logger, Action<RedisReply>? onPublished = null)
    {
        _stream = stream;
        EndPoint = endPoint;
        _logger = logger;
        _onPublished = onPublished;
        _checkPeriod = checkPeriod;
        _reader = PipeReader.Create(stream, new StreamPipeReaderOptions(bufferSize: 64 * 1024, minimumReadSize: 4 * 1024, leaveOpen: true));
        using (ExecutionContext.SuppressFlow())
        {
            // The timer lives as long as the connection: it must not hold on to whichever caller's context created it.
            _timeoutCheck = new Timer(static state => ((RedisConnection)state!).CheckDeadline(), this, Timeout.InfiniteTimeSpan, Timeout.InfiniteTimeSpan);
        }
    }

    public RedisEndPoint EndPoint { get; }

    public bool IsOpen => !_isClosed;

    /// <summary>Completes (never faults) once the connection is closed, for whatever reason.</summary>
    public Task Closed => _closed.Task;

    /// <summary>Why the connection closed; null while open.</summary>
    public Exception? CloseReason => Volatile.Read(ref _closeReason);

    public void Start()
    {
        _timeoutCheck.Change(_checkPeriod, _checkPeriod);
        _readLoop = ReadLoopAsync();
        _writeLoop = WriteLoopAsync();
    }

    /// <summary>Queues a command; its task completes with the reply (an Error reply included) or a <see cref="RedisConnectionException"/>.</summary>
    /// <param name="timeout">How long the reply may take; <see cref="Timeout.InfiniteTimeSpan"/> for none.</param>
    /// <param name="asking">Precede the command with ASKING, written adjacently so no other caller's command slips in between.</param>
    public Task<RedisReply> SendAsync(RedisCommand command, TimeSpan timeout, bool asking, CancellationToken cancellationToken)
    {
        if (cancellationToken.IsCancellationRequested)
        {
            return Task.FromCanceled<RedisReply>(cancellationToken);
        }

        var pending = new PendingCommand();
        pending.WatchCancellation(cancellationToken);
        Send(command, timeout, asking, pending);
        return pending.Task;
    }

    /// <summary>Queues a command whose pending reply the caller created earlier (commands held back while connecting).</summary>
    public void Send(RedisCommand command, TimeSpan timeout, bool asking, PendingCommand pending)
    {
        var timeoutMs = (long)timeout.TotalMilliseconds;
        var deadline = timeout == Timeout.InfiniteTimeSpan ? long.MaxValue : Environment.TickCount64 + timeoutMs;
        pending.Deadline = deadline;
        pending.TimeoutMs = timeoutMs;
        var askingPending = asking ? new PendingCommand(silent: true) { Deadline = deadline, TimeoutMs = timeoutMs } : null;
        bool signal;
        lock (_writeLock)
        {
            if (_isClosed)
            {
                pending.Fail(ClosedError());
                return;
            }

            if (askingPending is not null)
            {
                RespWriter.Write(_buffer, Asking.Args, Asking.Size);
                _pending.Enqueue(askingPending);
            }

            RespWriter.Write(_buffer, command.Args, command.Size);
            _pending.Enqueue(pending);
            signal = !_flushScheduled;
            _flushScheduled = true;
        }

        if (signal)
        {
            try
            {
                _flushSignal.Release();
            }
            catch (ObjectDisposedException)
            {
                // Disposed since the lock was released; Close has already failed the command.
            }
        }
    }

    /// <summary>Closes the connection and fails every pending command with <paramref name="reason"/>. Idempotent, never throws.</summary>
    public void Close(Exception reason)
    {
        lock (_writeLock)
        {
            if (_isClosed)
            {
                return;
            }

            Volatile.Write(ref _closeReason, reason);
            _isClosed = true;
        }

        _timeoutCheck.Dispose();
        try
        {
            // Ends both loops: the pending read and any write in flight fail on the disposed stream.
            _stream.Dispose();
        }
        catch (Exception e) when (e is IOException or ObjectDisposedException or InvalidOperationException)
        {
            LogDisposeFailed(_logger, EndPoint.ToString(), e);
        }

        _flushSignal.Release();
        while (_pending.TryDequeue(out var pending))
        {
            pending.Fail(ClosedError());
        }

        _closed.TrySetResult();
    }

    public async ValueTask DisposeAsync()
    {
        Close(new RedisConnectionException($"The connection to Redis {EndPoint} was closed by the client."));
        await _readLoop;
        await _writeLoop;
        _flushSignal.Dispose();
    }

    private RedisConnectionException ClosedError()
    {
        var reason = CloseReason;
        return reason is RedisConnectionException
            ? new RedisConnectionException(reason.Message, reason)
            : new RedisConnectionException($"The connection to Redis {EndPoint} broke: {reason?.Message}", reason!);
    }

    private async Task ReadLoopAsync()
    {
        Exception reason;
        try
        {
            while (true)
            {
                var result = await _reader.ReadAsync();
                var buffer = result.Buffer;
                while (RespParser.TryRead(ref buffer, out var reply, out var isPush))
                {
                    if (_onPublished is not null && PubSubFrame.IsPublished(reply))
                    {
                        _onPublished(reply);
                        continue;
                    }

                    if (isPush && !(_onPublished is not null && PubSubFrame.IsConfirmation(reply)))
                    {
                        // Out-of-band RESP3 data (e.g. client-tracking invalidations) answers no command. A subscriber's
                        // confirmations are pushed too in RESP3, yet each answers its SUBSCRIBE or UNSUBSCRIBE.
                        LogPushIgnored(_logger, EndPoint.ToString());
                        continue;
                    }

                    if (!_pending.TryDequeue(out var pending))
                    {
                        throw new InvalidDataException($"Redis sent a reply no command was waiting for: {reply.Text ?? reply.Kind.ToString()}");
                    }

                    pending.Complete(reply);
                }

                _reader.AdvanceTo(buffer.Start, buffer.End);
                if (result.IsCompleted)
                {
                    reason = new RedisConnectionException($"Redis {EndPoint} closed the connection.");
                    break;
                }
            }
        }
        catch (Exception e)
        {
            reason = e;
        }

        try
        {
            await _reader.CompleteAsync();
        }
        catch (Exception e) when (e is IOException or ObjectDisposedException or InvalidOperationException)
        {
            LogDisposeFailed(_logger, EndPoint.ToString(), e);
        }

        Close(reason);
    }

    private async Task WriteLoopAsync()
    {
        var spare = new ArrayBufferWriter<byte>(InitialBufferSize);
        try
        {
            while (true)
            {
                await _flushSignal.WaitAsync();
                ArrayBufferWriter<byte> batch;
                lock (_writeLock)
                {
                    if (_isClosed)
                    {
                        return;
                    }

                    batch = _buffer;
                    _buffer = spare;
                    _flushScheduled = false;
                }

                await _stream.WriteAsync(batch.WrittenMemory);
                await _stream.FlushAsync();
                batch.ResetWrittenCount();
                spare = batch.Capacity > KeepBufferBelow ? new ArrayBufferWriter<byte>(InitialBufferSize) : batch;
            }
        }
        catch (Exception e)
        {
            Close(e);
        }
    }

    /// <summary>Runs on a timer thread: must never throw.</summary>
    private void CheckDeadline()
    {
        try
        {
            if (_pending.TryPeek(out var oldest) && Environment.TickCount64 >= oldest.Deadline)
            {
                Close(new RedisConnectionException(
                    $"Redis {EndPoint} did not answer within {oldest.TimeoutMs} ms; the connection was closed because later replies could no longer be matched to their commands."));
            }
        }
        catch (Exception e)
        {
            LogDisposeFailed(_logger, EndPoint.ToString(), e);
        }
    }

    [LoggerMessage(Level = LogLevel.Debug, Message = "Ignored a RESP3 push frame from Redis {Endpoint}")]
    private static partial void LogPushIgnored(ILogger logger, string endpoint);

    [LoggerMessage(Level = LogLevel.Debug, Message = "Closing the connection to Redis {Endpoint} raised an error")]
    private static partial void LogDisposeFailed(ILogger logger, string endpoint, Exception exception);
}
