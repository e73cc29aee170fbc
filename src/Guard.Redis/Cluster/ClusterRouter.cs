using System.Collections.Concurrent;
using Guard.Redis.Connections;
using Guard.Redis.Protocol;
using Microsoft.Extensions.Logging;

namespace Guard.Redis.Cluster;

/// <summary>
/// Redis Cluster routing: a command goes to the master owning its key's slot per the slot map. MOVED corrects the
/// map for that slot at once, retries on the named node and refreshes the whole map in the background; ASK sends
/// ASKING plus the command to the named node once without touching the map (the slot is mid-migration); TRYAGAIN
/// (a multi-key command caught mid-migration) retries after a short pause. Redirects are bounded so a cluster in
/// flux cannot bounce a command forever.
/// </summary>
internal sealed partial class ClusterRouter : ICommandRouter
{
    public const int MaxRedirects = 5;

    /// <summary>Refreshes closer together than this coalesce: a burst of MOVED after a resharding needs one CLUSTER SLOTS, not hundreds.</summary>
    private static readonly TimeSpan MinRefreshInterval = TimeSpan.FromMilliseconds(250);

    private readonly ConcurrentDictionary<RedisEndPoint, RedisNode> _nodes = new();
    private readonly IReadOnlyList<RedisEndPoint> _seeds;
    private readonly Func<RedisEndPoint, RedisNode> _createNode;
    private readonly ILogger _logger;
    private readonly CancellationTokenSource _stopping = new();

    /// <summary>Kept apart from <see cref="_stopping"/> so background work can still read it after the source is disposed.</summary>
    private readonly CancellationToken _stopped;
    private readonly Task _initialRefresh;
    private ClusterSlotMap _map = new();
    private int _refreshing;
    private long _lastRefresh = long.MinValue / 2;
    private long _redirects;

    public ClusterRouter(IReadOnlyList<RedisEndPoint> seeds, Func<RedisEndPoint, RedisNode> createNode, ILogger logger)
    {
        _seeds = seeds;
        _createNode = createNode;
        _logger = logger;
        _stopped = _stopping.Token;
        Node(seeds[0]).Start();
        _initialRefresh = RefreshAsync();
    }

    public bool IsConnected => _nodes.Values.Any(node => node.IsConnected);

    /// <summary>MOVED and ASK redirects followed so far (for tests and diagnostics).</summary>
    public long Redirects => Interlocked.Read(ref _redirects);

    internal ClusterSlotMap Map => Volatile.Read(ref _map);

    public async Task<RedisReply> ExecuteAsync(RedisCommand command, string? key, bool blocking, CancellationToken cancellationToken)
    {
        if (Map.IsEmpty)
        {
            // Only until the first CLUSTER SLOTS answers (or fails); never faults.
            await _initialRefresh.WaitAsync(cancellationToken);
        }

        int? slot = key is null ? null : HashSlot.Of(key);
        var node = slot is { } s && Map[s] is { } owner ? Node(owner) : AnyNode();
        var asking = false;
        for (var attempt = 0; ; attempt++)
        {
            RedisReply reply;
            try
            {
                reply = blocking
                    ? await node.ExecuteBlockingAsync(command, asking, cancellationToken)
                    : await node.ExecuteAsync(command, asking, cancellationToken);
            }
            catch (RedisConnectionException)
            {
                // The node may have failed over or left; the map may know better soon.
                RequestRefresh();
                throw;
            }

            if (reply.Kind != RedisReplyKind.Error)
            {
                return reply;
            }

            var redirect = default(Redirect);
            var isTryAgain = reply.Text?.StartsWith("TRYAGAIN", StringComparison.Ordinal) == true;
            if (!isTryAgain && !Redirect.TryParse(reply, node.EndPoint, out redirect))
            {
                return reply;
            }

            if (attempt >= MaxRedirects)
            {
                throw new RedisConnectionException($"Redis Cluster redirected a command {MaxRedirects} times (last: {reply.Text}); the cluster's slots are in flux.");
            }

            if (isTryAgain)
            {
                await Task.Delay(TimeSpan.FromMilliseconds(20 * (attempt + 1)), cancellationToken);
                continue;
            }

            Interlocked.Increment(ref _redirects);
            LogRedirect(_logger, redirect.IsAsk ? "ASK" : "MOVED", redirect.Slot, redirect.Target.ToString());
            asking = redirect.IsAsk;
            if (!redirect.IsAsk)
            {
                Map.Set(redirect.Slot, redirect.Target);
                RequestRefresh();
            }

            node = Node(redirect.Target);
        }
    }

    public async ValueTask DisposeAsync()
    {
        await _stopping.CancelAsync();
        foreach (var node in _nodes.Values)
        {
            await node.DisposeAsync();
        }

        _stopping.Dispose();
    }

    private RedisNode Node(RedisEndPoint endPoint)
    {
        var node = _nodes.GetOrAdd(endPoint, _createNode);
        if (_stopped.IsCancellationRequested)
        {
            // Added while the router was being disposed: it must not keep reconnecting in the background.
            _ = node.DisposeAsync().AsTask();
            throw new RedisConnectionException("The Redis client was disposed.");
        }

        return node;
    }

    /// <summary>For keyless commands and unknown slots: a connected node if there is one (a wrong guess only costs a MOVED).</summary>
    private RedisNode AnyNode()
    {
        foreach (var node in _nodes.Values)
        {
            if (node.IsConnected)
            {
                return node;
            }
        }

        return Node(_seeds[0]);
    }

    /// <summary>Starts a background refresh unless one is running; never throws.</summary>
    private void RequestRefresh()
    {
        if (Interlocked.Exchange(ref _refreshing, 1) == 0)
        {
            using (ExecutionContext.SuppressFlow())
            {
                _ = Task.Run(RefreshSoonAsync);
            }
        }
    }

    private async Task RefreshSoonAsync()
    {
        try
        {
            var wait = TimeSpan.FromMilliseconds(Interlocked.Read(ref _lastRefresh) + (long)MinRefreshInterval.TotalMilliseconds - Environment.TickCount64);
            if (wait > TimeSpan.Zero)
            {
                await Task.Delay(wait, _stopped);
            }

            await RefreshAsync();
        }
        catch (OperationCanceledException) when (_stopped.IsCancellationRequested)
        {
        }
        finally
        {
            Volatile.Write(ref _refreshing, 0);
        }
    }

    /// <summary>Asks known masters, then the seeds, for CLUSTER SLOTS until one answers. Never throws.</summary>
    private async Task RefreshAsync()
    {
        Interlocked.Exchange(ref _lastRefresh, Environment.TickCount64);
        var candidates = Map.Masters().Concat(_seeds).Distinct().ToList();
        Exception? last = null;
        foreach (var endPoint in candidates)
        {
            if (_stopped.IsCancellationRequested)
            {
                return;
            }

            try
            {
                var reply = await Node(endPoint).ExecuteAsync(ClusterSlotsCommand, asking: false, _stopped);
                if (reply.Kind == RedisReplyKind.Error)
                {
                    last = new RedisServerException(reply.Text ?? "ERR");
                    continue;
                }

                var map = ClusterSlotMap.FromClusterSlots(reply, endPoint.Host);
                Volatile.Write(ref _map, map);
                LogRefreshed(_logger, endPoint.ToString(), map.Masters().Count);
                return;
            }
            catch (Exception e)
            {
                // Any failure here just means "ask the next node"; the refresh must never fault.
                last = e;
            }
        }

        if (!_stopped.IsCancellationRequested)
        {
            LogRefreshFailed(_logger, candidates.Count, last?.Message ?? "no node to ask");
        }
    }

    private static readonly RedisCommand ClusterSlotsCommand = RedisCommand.Create(["CLUSTER", "SLOTS"]);

    [LoggerMessage(Level = LogLevel.Debug, Message = "Redis Cluster redirect {Kind} for slot {Slot} to {Endpoint}")]
    private static partial void LogRedirect(ILogger logger, string kind, int slot, string endpoint);

    [LoggerMessage(Level = LogLevel.Information, Message = "Learned the Redis Cluster slot map from {Endpoint}: {Masters} masters")]
    private static partial void LogRefreshed(ILogger logger, string endpoint, int masters);

    [LoggerMessage(Level = LogLevel.Warning, Message = "Could not learn the Redis Cluster slot map from any of {Count} nodes: {Reason}")]
    private static partial void LogRefreshFailed(ILogger logger, int count, string reason);
}
