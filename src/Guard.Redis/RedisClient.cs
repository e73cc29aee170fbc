using Guard.Redis.Cluster;
using Guard.Redis.Connections;
using Guard.Redis.Protocol;
using Microsoft.Extensions.Logging;

namespace Guard.Redis;

/// <summary>
/// A Redis client: commands are pipelined over one multiplexed connection per node, reconnecting with backoff;
/// blocking commands use a small separate pool. Thread-safe; create one per Redis deployment and share it.
/// </summary>
public sealed partial class RedisClient : IAsyncDisposable
{
    private readonly ILogger<RedisClient> _logger;
    private readonly TlsSettings? _tls;
    private readonly ICommandRouter _router;
    private int _disposed;

    /// <exception cref="ArgumentException">The options are unusable (no endpoint, bad endpoint, unreadable TLS PEM, ...).</exception>
    public RedisClient(RedisOptions options, ILogger<RedisClient> logger)
    {
        ArgumentNullException.ThrowIfNull(options);
        ArgumentNullException.ThrowIfNull(logger);
        var endPoints = Validate(options);
        _logger = logger;
        _tls = TlsSettings.From(options.Tls);
        var connector = new RedisConnector(options, _tls, logger);
        RedisNode CreateNode(RedisEndPoint endPoint) => new(endPoint, connector, logger);
        _router = options.Cluster
            ? new ClusterRouter(endPoints, CreateNode, logger)
            : new StandaloneRouter(CreateNode(endPoints[0]));
        LogCreated(logger, options.ToString());
    }

    /// <summary>Whether the connection to the (first) node is up now; in cluster mode, to any node.</summary>
    public bool IsConnected => _router.IsConnected;

    /// <summary>Runs one command, e.g. <c>ExecuteAsync(["SET", key, value, "PX", "1000"])</c>; keys route by slot in cluster mode.</summary>
    /// <param name="args">Command name and arguments; strings are sent as UTF-8, byte[] as is, numbers in invariant culture.</param>
    /// <param name="key">The key that decides the node in cluster mode (null: any node).</param>
    /// <exception cref="RedisServerException">An error reply.</exception>
    /// <exception cref="RedisConnectionException">Unreachable, timed out, or the connection broke.</exception>
    public async Task<RedisReply> ExecuteAsync(IReadOnlyList<object> args, string? key = null, CancellationToken cancellationToken = default)
    {
        var command = RedisCommand.Create(args);
        ThrowIfDisposed();
        return ThrowIfError(await _router.ExecuteAsync(command, key, blocking: false, cancellationToken));
    }

    /// <summary>EVALSHA, falling back to EVAL (which also caches it) on NOSCRIPT. All keys must share one slot in cluster mode.</summary>
    public async Task<RedisReply> EvalAsync(RedisScript script, IReadOnlyList<string> keys, IReadOnlyList<object> args, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(script);
        ArgumentNullException.ThrowIfNull(keys);
        ArgumentNullException.ThrowIfNull(args);
        ThrowIfDisposed();
        var key = keys.Count > 0 ? keys[0] : null;
        var reply = await _router.ExecuteAsync(ScriptCommand("EVALSHA", script.Sha1, keys, args), key, blocking: false, cancellationToken);
        if (reply.Kind == RedisReplyKind.Error && reply.Text?.StartsWith("NOSCRIPT", StringComparison.Ordinal) == true)
        {
            // The server restarted, failed over or ran SCRIPT FLUSH: send the source once, which caches it again.
            LogScriptLoaded(_logger, script.Sha1);
            reply = await _router.ExecuteAsync(ScriptCommand("EVAL", script.Source, keys, args), key, blocking: false, cancellationToken);
        }

        return ThrowIfError(reply);
    }

    /// <summary>PUBLISH: sends <paramref name="message"/> to the subscribers of <paramref name="channel"/>.</summary>
    /// <returns>How many clients received it; in a cluster, only those connected to the node that ran it (Redis 7
    /// still delivers it to every node's subscribers).</returns>
    /// <exception cref="RedisConnectionException">Unreachable, timed out, or the connection broke.</exception>
    public async Task<long> PublishAsync(string channel, ReadOnlyMemory<byte> message, CancellationToken cancellationToken = default)
    {
        ArgumentException.ThrowIfNullOrEmpty(channel);
        var reply = await ExecuteAsync(["PUBLISH", channel, message], key: null, cancellationToken);
        return reply.AsInt64();
    }

    /// <summary>A blocking command (BLPOP, BRPOP, XREAD BLOCK, WAIT) on a pooled connection of its own.</summary>
    /// <remarks>
    /// The reply may take as long as the command asks the server to block plus CommandTimeout; a command this client
    /// does not recognise as blocking gets CommandTimeout. Cancelling closes the pooled connection it ran on.
    /// </remarks>
    public async Task<RedisReply> ExecuteBlockingAsync(IReadOnlyList<object> args, string? key = null, CancellationToken cancellationToken = default)
    {
        var command = RedisCommand.Create(args);
        ThrowIfDisposed();
        return ThrowIfError(await _router.ExecuteAsync(command, key, blocking: true, cancellationToken));
    }

    /// <summary>Closes every connection; commands still waiting fail with <see cref="RedisConnectionException"/>.</summary>
    public async ValueTask DisposeAsync()
    {
        if (Interlocked.Exchange(ref _disposed, 1) != 0)
        {
            return;
        }

        await _router.DisposeAsync();
        _tls?.Dispose();
    }

    /// <summary>MOVED/ASK redirects followed (cluster mode; 0 otherwise).</summary>
    internal long Redirects => (_router as ClusterRouter)?.Redirects ?? 0;

    /// <summary>Checks options shared by the client and <see cref="PubSub.RedisSubscriber"/>; the endpoints, parsed.</summary>
    internal static List<RedisEndPoint> Validate(RedisOptions options)
    {
        if (options.Endpoints.Count == 0)
        {
            throw new ArgumentException("RedisOptions.Endpoints is empty: give host:port of the server (or of cluster seed nodes).", nameof(options));
        }

        if (options.Protocol is not (2 or 3))
        {
            throw new ArgumentException($"RedisOptions.Protocol must be 2 or 3, not {options.Protocol}.", nameof(options));
        }

        if (options.Cluster && options.Database != 0)
        {
            throw new ArgumentException("Redis Cluster has only database 0.", nameof(options));
        }

        if (options.Database < 0 || options.BlockingPoolSize < 0)
        {
            throw new ArgumentException("RedisOptions.Database and BlockingPoolSize cannot be negative.", nameof(options));
        }

        if (options.ConnectTimeout <= TimeSpan.Zero || options.CommandTimeout <= TimeSpan.Zero
            || options.ReconnectMinBackoff <= TimeSpan.Zero || options.ReconnectMaxBackoff < options.ReconnectMinBackoff)
        {
            throw new ArgumentException("RedisOptions timeouts must be positive and ReconnectMaxBackoff at least ReconnectMinBackoff.", nameof(options));
        }

        try
        {
            return options.Endpoints.Select(RedisEndPoint.Parse).ToList();
        }
        catch (FormatException e)
        {
            throw new ArgumentException(e.Message, nameof(options), e);
        }
    }

    private static RedisCommand ScriptCommand(string verb, string body, IReadOnlyList<string> keys, IReadOnlyList<object> args)
    {
        var all = new object[3 + keys.Count + args.Count];
        all[0] = verb;
        all[1] = body;
        all[2] = keys.Count;
        for (var i = 0; i < keys.Count; i++)
        {
            all[3 + i] = keys[i];
        }

        for (var i = 0; i < args.Count; i++)
        {
            all[3 + keys.Count + i] = args[i];
        }

        return RedisCommand.Create(all);
    }

    private static RedisReply ThrowIfError(RedisReply reply) =>
        reply.Kind == RedisReplyKind.Error ? throw new RedisServerException(reply.Text ?? "ERR") : reply;

    private void ThrowIfDisposed() => ObjectDisposedException.ThrowIf(Volatile.Read(ref _disposed) != 0, this);

    [LoggerMessage(Level = LogLevel.Debug, Message = "Redis client created: {Options}")]
    private static partial void LogCreated(ILogger logger, string options);

    [LoggerMessage(Level = LogLevel.Debug, Message = "Redis did not know script {Sha1}; sent its source")]
    private static partial void LogScriptLoaded(ILogger logger, string sha1);
}
