using Guard.Redis.Protocol;

namespace Guard.Redis;

/// <summary>Decides which node runs a command: the one server, or the owner of the key's slot in a cluster.</summary>
internal interface ICommandRouter : IAsyncDisposable
{
    bool IsConnected { get; }

    /// <summary>The reply, Error replies included (the client turns those into exceptions once redirects are dealt with).</summary>
    Task<RedisReply> ExecuteAsync(RedisCommand command, string? key, bool blocking, CancellationToken cancellationToken);
}
