using Guard.TestSupport;
using System.Diagnostics;
using Guard.Redis.Tests.Support;

namespace Guard.Redis.Tests.Server;

/// <summary>Every reply shape over RESP2 against a real server, and pipelining under many concurrent callers.</summary>
public class CommandTests(StandaloneServerFixture fixture) : IClassFixture<StandaloneServerFixture>, IAsyncLifetime
{
    private RedisClient _client = null!;

    public Task InitializeAsync()
    {
        _client = Clients.Create(fixture.Server.Endpoint);
        return Task.CompletedTask;
    }

    public async Task DisposeAsync() => await _client.DisposeAsync();

    [Fact]
    public async Task Set_get_del_incr_expire_and_ttl()
    {
        Assert.Equal("OK", (await _client.Run("SET", "cmd:a", "hello")).Text);
        Assert.Equal("hello", await _client.Get("cmd:a"));
        Assert.Equal(1, (await _client.Run("DEL", "cmd:a")).Integer);
        Assert.True((await _client.Run("GET", "cmd:a")).IsNull);

        Assert.Equal(1, (await _client.Run("INCR", "cmd:n")).Integer);
        Assert.Equal(11, (await _client.Run("INCRBY", "cmd:n", 10)).AsInt64());
        Assert.Equal(1, (await _client.Run("EXPIRE", "cmd:n", 100)).Integer);
        var ttl = (await _client.Run("TTL", "cmd:n")).Integer;
        Assert.InRange(ttl, 99, 100);
        Assert.Equal(1, (await _client.Run("PEXPIRE", "cmd:n", 50_000L)).Integer);
        Assert.InRange((await _client.Run("PTTL", "cmd:n")).Integer, 49_000, 50_000);
        Assert.Equal(-2, (await _client.Run("TTL", "cmd:missing")).Integer);
    }

    [Fact]
    public async Task Binary_values_keep_every_byte()
    {
        var value = Enumerable.Range(0, 256).Select(i => (byte)i).ToArray();
        await _client.Run("SET", "cmd:bin", value);
        var reply = await _client.Run("GET", "cmd:bin");
        Assert.Equal(RedisReplyKind.BulkString, reply.Kind);
        Assert.Equal(value, reply.Bytes);

        await _client.Run("SET", "cmd:empty", Array.Empty<byte>());
        Assert.Empty((await _client.Run("GET", "cmd:empty")).Bytes!);
    }

    [Fact]
    public async Task Arrays_and_nested_nulls()
    {
        await _client.Run("DEL", "cmd:list");
        await _client.Run("RPUSH", "cmd:list", "a", "b", "c");
        var reply = await _client.Run("LRANGE", "cmd:list", 0, -1);
        Assert.Equal(RedisReplyKind.Array, reply.Kind);
        Assert.Equal(["a", "b", "c"], reply.Items.Select(i => i.AsString()));

        await _client.Run("SET", "cmd:m1", "x");
        var mget = await _client.Run("MGET", "cmd:m1", "cmd:nope");
        Assert.Equal("x", mget.Items[0].AsString());
        Assert.True(mget.Items[1].IsNull);

        Assert.Empty((await _client.Run("LRANGE", "cmd:nolist", 0, -1)).Items);
    }

    [Fact]
    public async Task Error_replies_throw_with_their_prefix_and_leave_the_connection_usable()
    {
        await _client.Run("RPUSH", "cmd:wrongtype", "x");
        var error = await Assert.ThrowsAsync<RedisServerException>(() => _client.Run("GET", "cmd:wrongtype"));
        Assert.Equal("WRONGTYPE", error.Prefix);
        var unknown = await Assert.ThrowsAsync<RedisServerException>(() => _client.Run("NOSUCHCOMMAND"));
        Assert.Equal("ERR", unknown.Prefix);
        Assert.Equal("PONG", (await _client.Run("PING")).Text);
    }

    [Fact]
    public async Task Large_values_round_trip()
    {
        var value = new byte[1024 * 1024 + 17];
        new Random(5).NextBytes(value);
        var writes = Enumerable.Range(0, 4).Select(i => _client.Run("SET", $"cmd:large:{i}", value));
        await Task.WhenAll(writes);
        var reads = await Task.WhenAll(Enumerable.Range(0, 4).Select(i => _client.Run("GET", $"cmd:large:{i}")));
        Assert.All(reads, r => Assert.Equal(value, r.Bytes));
    }

    [Fact]
    public async Task Pipelined_replies_reach_the_right_callers()
    {
        const int callers = 32;
        const int perCaller = 500;
        var stopwatch = Stopwatch.StartNew();
        await Task.WhenAll(Enumerable.Range(0, callers).Select(c => Task.Run(async () =>
        {
            // Half the commands fly at once (deep pipelining), half alternate SET/GET per key.
            var echoes = Enumerable.Range(0, perCaller / 2).Select(i => _client.Run("ECHO", $"{c}:{i}")).ToArray();
            for (var i = 0; i < perCaller / 4; i++)
            {
                var key = $"cmd:pipe:{c}:{i}";
                var set = _client.Run("SET", key, $"v{c}.{i}");
                var get = _client.Get(key);
                await set;
                Assert.Equal($"v{c}.{i}", await get);
            }

            var replies = await Task.WhenAll(echoes);
            for (var i = 0; i < replies.Length; i++)
            {
                Assert.Equal($"{c}:{i}", replies[i].AsString());
            }
        })));
        Assert.True(stopwatch.Elapsed < TimeSpan.FromSeconds(20), $"took {stopwatch.Elapsed}");
    }

    [Fact]
    public async Task Commands_issued_while_connecting_keep_their_order()
    {
        // Sent before the connection exists: they wait in the backlog and must go out in the order they were issued.
        await using var fresh = Clients.Create(fixture.Server.Endpoint);
        var replies = new List<Task<RedisReply>> { fresh.Run("DEL", "cmd:order") };
        for (var i = 0; i < 50; i++)
        {
            replies.Add(fresh.Run("RPUSH", "cmd:order", i));
        }

        replies.Add(fresh.Run("LRANGE", "cmd:order", 0, -1));
        var results = await Task.WhenAll(replies);
        for (var i = 0; i < 50; i++)
        {
            Assert.Equal(i + 1, results[i + 1].Integer);
        }

        Assert.Equal(Enumerable.Range(0, 50).Select(i => i.ToString(System.Globalization.CultureInfo.InvariantCulture)), results[^1].Items.Select(r => r.AsString()));
    }

    [Fact]
    public async Task Ttl_expiry()
    {
        await _client.Run("SET", "cmd:ttl", "soon", "PX", 200);
        Assert.Equal("soon", await _client.Get("cmd:ttl"));
        await Task.Delay(400);
        Assert.True((await _client.Run("GET", "cmd:ttl")).IsNull);
    }

    [Fact]
    public async Task Cancelled_commands_leave_later_replies_matched()
    {
        await using var client = Clients.Create(fixture.Server.Endpoint, o => o.CommandTimeout = TimeSpan.FromSeconds(5));
        await client.Run("SET", "cmd:cancel", "kept");
        using var cancelled = new CancellationTokenSource();
        await cancelled.CancelAsync();
        await Assert.ThrowsAnyAsync<OperationCanceledException>(() => client.ExecuteAsync(["GET", "cmd:cancel"], cancellationToken: cancelled.Token));

        // Queued behind a sleeping command on the same connection, their replies can only come after the callers
        // gave up: they must be read and dropped, not handed to the commands that follow.
        var sleeping = client.Run("DEBUG", "SLEEP", "0.3");
        using var giveUp = new CancellationTokenSource();
        var gaveUp = Enumerable.Range(0, 10).Select(i => client.ExecuteAsync(["ECHO", $"dropped{i}"], cancellationToken: giveUp.Token)).ToArray();
        await giveUp.CancelAsync();
        var after = client.Run("ECHO", "after");
        foreach (var task in gaveUp)
        {
            await Assert.ThrowsAnyAsync<OperationCanceledException>(() => task);
        }

        Assert.Equal("after", (await after).AsString());
        Assert.Equal("OK", (await sleeping).Text);
        Assert.Equal("kept", await client.Get("cmd:cancel"));
    }

    [Fact]
    public async Task Rejects_bad_arguments_without_touching_the_connection()
    {
        await Assert.ThrowsAsync<ArgumentException>(() => _client.Run("SET", "k", new object()));
        await Assert.ThrowsAsync<ArgumentException>(() => _client.ExecuteAsync([]));
        Assert.Equal("PONG", (await _client.Run("PING")).Text);
    }

    [Fact]
    public async Task Numbers_are_sent_in_invariant_form()
    {
        await _client.Run("SET", "cmd:float", 0.1);
        Assert.Equal("0.1", await _client.Get("cmd:float"));
        Assert.Equal("1.6", (await _client.Run("INCRBYFLOAT", "cmd:float", 1.5)).AsString());
    }
}
