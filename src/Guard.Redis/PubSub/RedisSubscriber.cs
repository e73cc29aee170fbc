using Guard.Redis.Connections;
using Guard.Redis.Protocol;
using Microsoft.Extensions.Logging;

namespace Guard.Redis.PubSub;

/// <summary>
/// Receives Redis pub/sub messages on a connection of its own (a subscribed connection can run nothing else), made
/// from the same <see cref="RedisOptions"/> as <see cref="RedisClient"/>'s: endpoints, ACL user and password, TLS,
/// database, timeouts and reconnect backoff. The connection is kept up by a background loop that reconnects with
/// exponential backoff and subscribes again to every channel; an idle connection is checked with PING so that a
/// silently dead one is noticed too. Thread-safe.
/// </summary>
/// <remarks>
/// <para>Pub/sub delivers at most once: what is published while the connection is down is lost. So each time the
/// server confirms a channel (after <see cref="Subscribe"/>, and again after every reconnect) the
/// <c>onSubscribed</c> handler runs for it: from then on every message is delivered, and it is the moment to re-read
/// whatever state the messages are about.</para>
/// <para>Handlers run one at a time, in arrival order, off the connection's read loop; an exception from one is
/// logged and delivery goes on. A handler that falls thousands of messages behind costs the connection (it is
/// dropped and made again, with <c>onSubscribed</c> as usual) rather than memory.</para>
/// <para>In Redis Cluster, PUBLISH reaches the subscribers of every node, so one connection to the first configured
/// endpoint that answers is enough.</para>
/// </remarks>
public sealed partial class RedisSubscriber : IAsyncDisposable
{
    /// <summary>How long an idle connection goes unchecked: a peer gone without a word is noticed within this plus CommandTimeout.</summary>
    private static readonly TimeSpan PingInterval = TimeSpan.FromSeconds(5);

    private static readonly RedisCommand Ping = RedisCommand.Create(["PING"]);

    private readonly RedisOptions _options;
    private readonly IReadOnlyList<RedisEndPoint> _endPoints;
    private readonly TlsSettings? _tls;
    private readonly RedisConnector _connector;
    private readonly DeliveryQueue _deliveries;
    private readonly ILogger _logger;
    private readonly CancellationTokenSource _stopping = new();
    private readonly Lock _gate = new();
    private readonly HashSet<string> _channels = new(StringComparer.Ordinal);

    /// <summary>Channels asked for again while perhaps already subscribed: SUBSCRIBE is sent anyway, so the
    /// confirmation (and onSubscribed) comes for the new asker too.</summary>
    private readonly HashSet<string> _again = new(StringComparer.Ordinal);
    private TaskCompletionSource _changed = NewSignal();
    private RedisConnection? _connection;
    private Task? _maintenance;
    private int _disposed;

    /// <param name="onMessage">Runs for each message on a subscribed channel.</param>
    /// <param name="onSubscribed">Runs with the channel's name each time the server confirms a subscription.</param>
    /// <exception cref="ArgumentException">The options are unusable (no endpoint, bad endpoint, unreadable TLS PEM, ...).</exception>
    public RedisSubscriber(
        RedisOptions options,
        ILogger<RedisSubscriber> logger,
        Func<RedisMessage, CancellationToken, ValueTask> onMessage,
        Func<string, CancellationToken, ValueTask>? onSubscribed = null)
    {
        ArgumentNullException.ThrowIfNull(options);
        ArgumentNullException.ThrowIfNull(logger);
        ArgumentNullException.ThrowIfNull(onMessage);
        _endPoints = RedisClient.Validate(options);
        _options = options;
        _logger = logger;
        _tls = TlsSettings.From(options.Tls);
        _connector = new RedisConnector(options, _tls, logger);
        _deliveries = new DeliveryQueue(onMessage, onSubscribed, IsSubscribed, logger);
    }

    /// <summary>Whether the subscriber's connection is up now.</summary>
    public bool IsConnected => Volatile.Read(ref _connection) is { IsOpen: true };

    /// <summary>
    /// Subscribes to <paramref name="channel"/>, now if connected, else once connected (the first call starts
    /// connecting). Returns at once; <c>onSubscribed</c> runs when the server has confirmed. Asking again for a
    /// channel already subscribed is allowed and confirms it again.
    /// </summary>
    public void Subscribe(string channel)
    {
        ArgumentException.ThrowIfNullOrEmpty(channel);
        lock (_gate)
        {
            ObjectDisposedException.ThrowIf(Volatile.Read(ref _disposed) != 0, this);
            _channels.Add(channel);
            _again.Add(channel);
            _changed.TrySetResult();
            if (_maintenance is null)
            {
                // The loop outlives the caller that happened to start it; it must not carry that caller's context.
                using (ExecutionContext.SuppressFlow())
                {
                    _maintenance = Task.Run(MaintainAsync);
                }
            }
        }
    }

    /// <summary>Stops delivering <paramref name="channel"/> at once (what is already queued for it is dropped) and
    /// unsubscribes on the server shortly after. Unknown channels are ignored.</summary>
    public void Unsubscribe(string channel)
    {
        ArgumentException.ThrowIfNullOrEmpty(channel);
        lock (_gate)
        {
            if (_channels.Remove(channel))
            {
                _again.Remove(channel);
                _changed.TrySetResult();
            }
        }
    }

    /// <summary>Closes the connection and stops the handlers (their token is cancelled); waits for a running handler
    /// to return unless called from one. Idempotent.</summary>
    public async ValueTask DisposeAsync()
    {
        Task? maintenance;
        lock (_gate)
        {
            if (Interlocked.Exchange(ref _disposed, 1) != 0)
            {
                return;
            }

            maintenance = _maintenance;
        }

        // Outside the lock: cancelling runs continuations that may need it.
        await _stopping.CancelAsync();
        Volatile.Read(ref _connection)?.Close(new RedisConnectionException("The Redis subscriber was disposed."));
        if (maintenance is not null)
        {
            await maintenance;
        }

        await _deliveries.DisposeAsync();
        _tls?.Dispose();
        _stopping.Dispose();
    }

    private static TaskCompletionSource NewSignal() => new(TaskCreationOptions.RunContinuationsAsynchronously);

    private bool IsSubscribed(string channel)
    {
        lock (_gate)
        {
            return _channels.Contains(channel);
        }
    }

    /// <summary>Connect, serve the connection until it breaks, wait the backoff, repeat; until disposed. Never throws.</summary>
    private async Task MaintainAsync()
    {
        var backoff = _options.ReconnectMinBackoff;
        var failures = 0;
        try
        {
            while (true)
            {
                var connection = await ConnectAsync(failures + 1, backoff);
                if (connection is null)
                {
                    failures++;
                }
                else
                {
                    failures = 0;
                    backoff = _options.ReconnectMinBackoff;
                    await ServeAsync(connection);
                }

                await Task.Delay(Jitter(backoff), _stopping.Token);
                if (connection is null)
                {
                    backoff = TimeSpan.FromTicks(Math.Min(backoff.Ticks * 2, _options.ReconnectMaxBackoff.Ticks));
                }
            }
        }
        catch (Exception) when (_stopping.IsCancellationRequested)
        {
            // Disposed: whatever was in flight failed because of it.
        }
        catch (Exception e)
        {
            // A background loop must never fault: nobody awaits it until dispose.
            LogMaintenanceFailed(_logger, e);
        }
    }

    /// <summary>The first endpoint that accepts, in configured order; null when none does.</summary>
    private async Task<RedisConnection?> ConnectAsync(int attempt, TimeSpan backoff)
    {
        foreach (var endPoint in _endPoints)
        {
            try
            {
                return await _connector.ConnectAsync(endPoint, _stopping.Token, OnPublished);
            }
            catch (RedisConnectionException e)
            {
                LogConnectFailed(_logger, endPoint.ToString(), attempt, backoff.TotalMilliseconds, e.Message);
            }
        }

        return null;
    }

    /// <summary>Runs on the connection's read loop: queue, never wait.</summary>
    private void OnPublished(RedisReply frame)
    {
        if (PubSubFrame.TryReadMessage(frame, out var message) && !_deliveries.TryPost(message))
        {
            // Buffering more would grow without bound; dropping silently would leave the handler stale. A new
            // connection ends with onSubscribed, which tells the handler to catch up.
            throw new RedisConnectionException($"The subscriber's handlers fell {DeliveryQueue.Capacity} messages behind; reconnecting.");
        }
    }

    /// <summary>Keeps the server's subscriptions in step with <see cref="_channels"/> and the connection checked,
    /// until the connection closes (returns) or the subscriber is disposed (throws).</summary>
    private async Task ServeAsync(RedisConnection connection)
    {
        Volatile.Write(ref _connection, connection);
        LogConnected(_logger, connection.EndPoint.ToString(), _options.Protocol, _options.Tls is not null);
        var subscribed = new HashSet<string>(StringComparer.Ordinal);
        var refused = new HashSet<string>(StringComparer.Ordinal);
        try
        {
            // Disposed while connecting, DisposeAsync may have looked for a connection before this one was published.
            _stopping.Token.ThrowIfCancellationRequested();
            var nextPing = Environment.TickCount64 + (long)PingInterval.TotalMilliseconds;
            while (connection.IsOpen)
            {
                var (changed, subscribe, unsubscribe) = TakeChanges(subscribed, refused);
                await UnsubscribeAsync(connection, unsubscribe, subscribed);
                await SubscribeAsync(connection, subscribe, subscribed, refused);
                var untilPing = nextPing - Environment.TickCount64;
                if (untilPing <= 0)
                {
                    await connection.SendAsync(Ping, _options.CommandTimeout, asking: false, _stopping.Token);
                    nextPing = Environment.TickCount64 + (long)PingInterval.TotalMilliseconds;
                    continue;
                }

                using var wait = CancellationTokenSource.CreateLinkedTokenSource(_stopping.Token);
                await Task.WhenAny(changed, connection.Closed, Task.Delay(TimeSpan.FromMilliseconds(untilPing), wait.Token));
                await wait.CancelAsync();
                _stopping.Token.ThrowIfCancellationRequested();
            }
        }
        catch (Exception e) when ((e is RedisConnectionException or InvalidDataException) && !_stopping.IsCancellationRequested)
        {
            connection.Close(e);
        }
        finally
        {
            Volatile.Write(ref _connection, null);
            await connection.DisposeAsync();
        }

        if (!_stopping.IsCancellationRequested)
        {
            LogConnectionLost(_logger, connection.EndPoint.ToString(), connection.CloseReason?.Message ?? "closed");
        }
    }

    /// <summary>What to send now; the signal completes on the next change after this snapshot.</summary>
    private (Task Changed, string[] Subscribe, string[] Unsubscribe) TakeChanges(HashSet<string> subscribed, HashSet<string> refused)
    {
        lock (_gate)
        {
            if (_changed.Task.IsCompleted)
            {
                _changed = NewSignal();
            }

            // Refused (an ACL without the channel) is retried on the next connection, or when asked for again.
            var subscribe = _channels.Where(c => _again.Contains(c) || (!subscribed.Contains(c) && !refused.Contains(c))).ToArray();
            var unsubscribe = subscribed.Where(c => !_channels.Contains(c)).ToArray();
            _again.Clear();
            return (_changed.Task, subscribe, unsubscribe);
        }
    }

    /// <summary>One SUBSCRIBE per channel, pipelined: each gets exactly one reply, a confirmation or an error.</summary>
    private async Task SubscribeAsync(RedisConnection connection, string[] channels, HashSet<string> subscribed, HashSet<string> refused)
    {
        var replies = await SendEachAsync(connection, "SUBSCRIBE", channels);
        for (var i = 0; i < channels.Length; i++)
        {
            var reply = replies[i];
            if (reply.Kind == RedisReplyKind.Error)
            {
                refused.Add(channels[i]);
                LogSubscribeRefused(_logger, channels[i], reply.Text ?? "ERR");
                continue;
            }

            ExpectConfirmation(reply, "SUBSCRIBE");
            refused.Remove(channels[i]);
            subscribed.Add(channels[i]);
            await _deliveries.PostSubscribedAsync(channels[i], _stopping.Token);
        }
    }

    private async Task UnsubscribeAsync(RedisConnection connection, string[] channels, HashSet<string> subscribed)
    {
        var replies = await SendEachAsync(connection, "UNSUBSCRIBE", channels);
        for (var i = 0; i < channels.Length; i++)
        {
            ExpectConfirmation(replies[i], "UNSUBSCRIBE");
            subscribed.Remove(channels[i]);
        }
    }

    private async Task<RedisReply[]> SendEachAsync(RedisConnection connection, string verb, string[] channels)
    {
        if (channels.Length == 0)
        {
            return [];
        }

        var sent = channels
            .Select(channel => connection.SendAsync(RedisCommand.Create([verb, channel]), _options.CommandTimeout, asking: false, _stopping.Token))
            .ToArray();

        // WhenAll observes every failure, not only the first: they all fail alike when the connection breaks.
        return await Task.WhenAll(sent);
    }

    /// <exception cref="InvalidDataException">Anything but a confirmation: replies and commands no longer line up.</exception>
    private static void ExpectConfirmation(RedisReply reply, string verb)
    {
        if (!PubSubFrame.IsConfirmation(reply))
        {
            throw new InvalidDataException($"Redis answered {verb} with {reply.Kind} '{reply.AsString()}' instead of a confirmation.");
        }
    }

    /// <summary>±20 % so that many subscribers cut off by one outage do not reconnect in lockstep.</summary>
    private static TimeSpan Jitter(TimeSpan delay) =>
#pragma warning disable CA5394 // Spreading retries needs no cryptographic randomness.
        delay * (0.8 + (Random.Shared.NextDouble() * 0.4));
#pragma warning restore CA5394
}
