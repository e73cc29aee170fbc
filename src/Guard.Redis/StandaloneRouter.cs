using Guard.Redis.Connections;
using Guard.Redis.Protocol;

namespace Guard.Redis;

/// <summary>A single server: everything goes to it, keys play no part.</summary>
internal sealed class StandaloneRouter : ICommandRouter
{
    private readonly RedisNode _node;

    public StandaloneRouter(RedisNode node)
    {
        _node = node;
        _node.Start();
    }

    public bool IsConnected => _node.IsConnected;

    public Task<RedisReply> ExecuteAsync(RedisCommand command, string? key, bool blocking, CancellationToken cancellationToken) =>
        blocking
            ? _node.ExecuteBlockingAsync(command, asking: false, cancellationToken)
            : _node.ExecuteAsync(command, asking: false, cancellationToken);

    public ValueTask DisposeAsync() => _node.DisposeAsync();
}
