using Guard.TestSupport;
using Guard.Redis;
using Microsoft.Extensions.Logging.Abstractions;

namespace Guard.State.Tests.Support;

/// <summary>One redis-server per test class (so classes run in parallel without seeing each other's command
/// counts), and a client to it.</summary>
public sealed class RedisServerFixture : IAsyncLifetime
{
    private RedisServer? _server;
    private RedisClient? _client;

    public RedisServer Server => _server ?? throw new InvalidOperationException("Not started.");

    public RedisClient Client => _client ?? throw new InvalidOperationException("Not started.");

    public async Task InitializeAsync()
    {
        _server = await RedisServer.StartAsync();
        _client = Connect(_server);
    }

    public async Task DisposeAsync()
    {
        if (_client is not null)
        {
            await _client.DisposeAsync();
        }
        if (_server is not null)
        {
            await _server.DisposeAsync();
        }
    }

    /// <summary>A new client (a new connection), as another Guard process would have. Timeouts are generous: these
    /// tests are not about timeouts, and a loaded two-core CI machine can stall a reply for a second.</summary>
    public static RedisClient Connect(RedisServer server, Action<RedisOptions>? configure = null)
    {
        var options = new RedisOptions
        {
            Endpoints = [server.Endpoint],
            ConnectTimeout = TimeSpan.FromSeconds(5),
            CommandTimeout = TimeSpan.FromSeconds(5),
        };
        configure?.Invoke(options);
        return new RedisClient(options, NullLogger<RedisClient>.Instance);
    }

    /// <summary>Store options with a prefix of their own, so that tests sharing a server share no keys.</summary>
    public static StateOptions IsolatedOptions(bool clusterLayout = false) => new()
    {
        KeyPrefix = $"t{Guid.NewGuid():N}:",
        Redis = new RedisOptions { Cluster = clusterLayout },
    };

    /// <summary>How many times Redis ran <paramref name="command"/> (INFO commandstats), to count round trips.</summary>
    public async Task<long> CommandCallsAsync(string command)
    {
        var info = (await Client.ExecuteAsync(["INFO", "commandstats"])).AsString() ?? "";
        var prefix = $"cmdstat_{command}:calls=";
        foreach (var line in info.Split('\n', StringSplitOptions.TrimEntries))
        {
            if (line.StartsWith(prefix, StringComparison.Ordinal))
            {
                return long.Parse(line.AsSpan(prefix.Length, line.IndexOf(',', StringComparison.Ordinal) - prefix.Length), System.Globalization.CultureInfo.InvariantCulture);
            }
        }
        return 0;
    }
}
