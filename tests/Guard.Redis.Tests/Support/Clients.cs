using Microsoft.Extensions.Logging.Abstractions;

namespace Guard.Redis.Tests.Support;

internal static class Clients
{
    public static readonly TimeSpan TestCommandTimeout = TimeSpan.FromSeconds(5);

    /// <summary>
    /// A client for <paramref name="endpoint"/>. Tests run in parallel on small machines, where a busy thread pool can
    /// delay a reply past the default 1 s, so the command timeout is 5 s unless a test is about timeouts.
    /// </summary>
    public static RedisClient Create(string endpoint, Action<RedisOptions>? configure = null, CapturingLogger<RedisClient>? logger = null)
    {
        var options = new RedisOptions { Endpoints = [endpoint], CommandTimeout = TestCommandTimeout };
        configure?.Invoke(options);
        return new RedisClient(options, logger ?? (Microsoft.Extensions.Logging.ILogger<RedisClient>)NullLogger<RedisClient>.Instance);
    }

    public static Task<RedisReply> Run(this RedisClient client, params object[] args) => client.ExecuteAsync(args);

    public static async Task<string?> Get(this RedisClient client, string key) => (await client.ExecuteAsync(["GET", key], key)).AsString();
}
