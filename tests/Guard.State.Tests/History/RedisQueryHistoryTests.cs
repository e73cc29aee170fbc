using Guard.Redis;
using Guard.State.History;
using Guard.State.Tests.Support;

namespace Guard.State.Tests.History;

public sealed class RedisQueryHistoryTests(RedisServerFixture redis) : QueryHistoryBehaviourTests, IClassFixture<RedisServerFixture>
{
    private readonly RedisQueryHistory _history = new(redis.Client, "qh:");

    protected override IQueryHistory History => _history;

    protected override Task WaitAsync(TimeSpan duration) => Task.Delay(duration);

    [Fact]
    public async Task One_EVALSHA_per_query()
    {
        string[] scripted = ["lrange", "lpush", "ltrim", "pexpire"];
        await History.AppendAndReadAsync(Scope, "warm", Entry(0), 500, Minute);
        var before = await CallsAsync();
        for (var i = 0; i < 20; i++)
        {
            await History.AppendAndReadAsync(Scope, "hank", Entry(i), 500, Minute);
        }

        var after = await CallsAsync();
        Assert.Equal(20, after.GetValueOrDefault("evalsha") - before.GetValueOrDefault("evalsha"));
        // Redis counts the commands a script runs too: each ran exactly once per query, so none went over the wire on
        // its own, and no other command did either (INFO, the counting itself, aside).
        foreach (var command in scripted)
        {
            Assert.Equal(20, after.GetValueOrDefault(command) - before.GetValueOrDefault(command));
        }

        var others = after.Keys.Union(before.Keys).Where(c => c is not ("evalsha" or "info") && !scripted.Contains(c));
        Assert.All(others, c => Assert.Equal(before.GetValueOrDefault(c), after.GetValueOrDefault(c)));
    }

    [Fact]
    public async Task One_list_per_client_and_scope_under_the_clients_hash_tag_with_a_ttl()
    {
        await History.AppendAndReadAsync(Scope, "ivy", Entry(1), 3, Minute);
        await History.AppendAndReadAsync(Scope, "ivy", Entry(2), 3, Minute);
        var key = $"qh:{{c:ivy}}:qh:{Scope}";
        Assert.Equal(key, _history.Key(Scope, "ivy"));
        Assert.Equal(2, (await redis.Client.ExecuteAsync(["LLEN", key])).AsInt64());
        var ttl = (await redis.Client.ExecuteAsync(["PTTL", key])).AsInt64();
        Assert.InRange(ttl, 1, 60_000);
        Assert.Equal("qh:{c:a%3Ab%7Bc%7D}:qh:m%3A1", _history.Key("m:1", "a:b{c}"));
    }

    [Fact]
    public async Task A_key_of_the_wrong_type_is_reported_as_state_unavailable()
    {
        await redis.Client.ExecuteAsync(["SET", _history.Key(Scope, "jack"), "not a list"]);
        var ex = await Assert.ThrowsAsync<StateUnavailableException>(async () => await History.AppendAndReadAsync(Scope, "jack", Entry(1), 3, Minute));
        Assert.IsType<RedisServerException>(ex.InnerException);
    }

    [Fact]
    public async Task An_unreachable_server_is_reported_as_state_unavailable()
    {
        await using var server = await Guard.TestSupport.RedisServer.StartAsync();
        await using var client = RedisServerFixture.Connect(server, o => { o.ConnectTimeout = TimeSpan.FromMilliseconds(300); o.CommandTimeout = TimeSpan.FromMilliseconds(300); });
        var history = new RedisQueryHistory(client, "qh:");
        await history.AppendAndReadAsync("m", "kim", Entry(1), 3, Minute);
        server.Kill();
        await Assert.ThrowsAsync<StateUnavailableException>(async () => await history.AppendAndReadAsync("m", "kim", Entry(2), 3, Minute));
    }

    /// <summary>Calls per command, from INFO commandstats.</summary>
    private async Task<Dictionary<string, long>> CallsAsync()
    {
        var info = (await redis.Client.ExecuteAsync(["INFO", "commandstats"])).AsString() ?? "";
        var calls = new Dictionary<string, long>(StringComparer.Ordinal);
        foreach (var line in info.Split('\n', StringSplitOptions.TrimEntries))
        {
            if (line.StartsWith("cmdstat_", StringComparison.Ordinal))
            {
                var name = line["cmdstat_".Length..line.IndexOf(':', StringComparison.Ordinal)];
                calls[name] = long.Parse(line.Split("calls=")[1].Split(',')[0], System.Globalization.CultureInfo.InvariantCulture);
            }
        }

        return calls;
    }
}
