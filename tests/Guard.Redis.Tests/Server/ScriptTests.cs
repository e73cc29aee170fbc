using Guard.TestSupport;
using Guard.Redis.Tests.Support;

namespace Guard.Redis.Tests.Server;

/// <summary>EvalAsync: EVALSHA first, EVAL on NOSCRIPT, and scripts run atomically across clients.</summary>
public class ScriptTests : IAsyncLifetime
{
    private const string Increment = """
        local v = tonumber(redis.call('GET', KEYS[1]) or '0')
        redis.call('SET', KEYS[1], v + tonumber(ARGV[1]))
        return v + tonumber(ARGV[1])
        """;

    private RedisServer _server = null!;

    public async Task InitializeAsync() => _server = await RedisServer.StartAsync();

    public async Task DisposeAsync()
    {
        if (_server is not null)
        {
            await _server.DisposeAsync();
        }
    }

    [Fact]
    public async Task Loads_on_noscript_then_uses_evalsha_and_survives_script_flush()
    {
        await using var client = Clients.Create(_server.Endpoint);
        var script = new RedisScript(Increment);
        await client.Run("CONFIG", "RESETSTAT");

        Assert.Equal(1, (await client.EvalAsync(script, ["s:n"], [1])).Integer);
        Assert.Equal((1, 1), await EvalCalls(client));
        Assert.Equal(1, (await client.Run("SCRIPT", "EXISTS", script.Sha1)).Items[0].Integer);

        Assert.Equal(3, (await client.EvalAsync(script, ["s:n"], [2])).Integer);
        Assert.Equal((2, 1), await EvalCalls(client));

        await client.Run("SCRIPT", "FLUSH");
        Assert.Equal(6, (await client.EvalAsync(script, ["s:n"], [3])).Integer);
        Assert.Equal((3, 2), await EvalCalls(client));
    }

    [Fact]
    public async Task Script_errors_are_server_exceptions()
    {
        await using var client = Clients.Create(_server.Endpoint);
        var error = await Assert.ThrowsAsync<RedisServerException>(() => client.EvalAsync(new RedisScript("return redis.call('NOPE')"), [], []));
        Assert.Contains("Unknown Redis command", error.Message, StringComparison.OrdinalIgnoreCase);
    }

    [Fact]
    public async Task Read_modify_write_scripts_never_lose_updates()
    {
        var clients = Enumerable.Range(0, 3).Select(_ => Clients.Create(_server.Endpoint)).ToArray();
        try
        {
            var script = new RedisScript(Increment);
            const int callers = 8;
            const int each = 250;
            await Task.WhenAll(Enumerable.Range(0, callers).Select(c => Task.Run(async () =>
            {
                var client = clients[c % clients.Length];
                for (var i = 0; i < each; i++)
                {
                    await client.EvalAsync(script, ["s:counter"], [1]);
                }
            })));
            Assert.Equal((callers * each).ToString(System.Globalization.CultureInfo.InvariantCulture), await clients[0].Get("s:counter"));
        }
        finally
        {
            foreach (var client in clients)
            {
                await client.DisposeAsync();
            }
        }
    }

    /// <summary>(EVALSHA calls, EVAL calls) from INFO commandstats.</summary>
    private static async Task<(int EvalSha, int Eval)> EvalCalls(RedisClient client)
    {
        var info = (await client.Run("INFO", "commandstats")).AsString()!;
        return (Calls(info, "evalsha"), Calls(info, "eval"));

        static int Calls(string info, string command)
        {
            var line = info.Split("\r\n").FirstOrDefault(l => l.StartsWith($"cmdstat_{command}:", StringComparison.Ordinal));
            if (line is null)
            {
                return 0;
            }

            var calls = line.Split(':')[1].Split(',')[0];
            return int.Parse(calls["calls=".Length..], System.Globalization.CultureInfo.InvariantCulture);
        }
    }
}
