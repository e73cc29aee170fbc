using Guard.Redis.Tests.Support;

namespace Guard.Redis.Tests.Server;

/// <summary>HELLO 3: maps, doubles, booleans and nulls come back as RESP3 types; push frames do not upset reply matching.</summary>
public class Resp3Tests(StandaloneServerFixture fixture) : IClassFixture<StandaloneServerFixture>, IAsyncLifetime
{
    private RedisClient _client = null!;

    public Task InitializeAsync()
    {
        _client = Clients.Create(fixture.Server.Endpoint, o => o.Protocol = 3);
        return Task.CompletedTask;
    }

    public async Task DisposeAsync() => await _client.DisposeAsync();

    [Fact]
    public async Task Hgetall_is_a_map()
    {
        await _client.Run("DEL", "r3:h");
        await _client.Run("HSET", "r3:h", "f1", "v1", "f2", "v2");
        var reply = await _client.Run("HGETALL", "r3:h");
        Assert.Equal(RedisReplyKind.Map, reply.Kind);
        var pairs = reply.Items.Chunk(2).ToDictionary(p => p[0].AsString()!, p => p[1].AsString());
        Assert.Equal(new Dictionary<string, string?> { ["f1"] = "v1", ["f2"] = "v2" }, pairs);
    }

    [Fact]
    public async Task Scores_are_doubles()
    {
        await _client.Run("ZADD", "r3:z", 1.5, "m");
        var score = await _client.Run("ZSCORE", "r3:z", "m");
        Assert.Equal(RedisReplyKind.Double, score.Kind);
        Assert.Equal(1.5, score.Number);
        var incremented = await _client.Run("ZINCRBY", "r3:z", 0.25, "m");
        Assert.Equal(1.75, incremented.Number);
    }

    [Fact]
    public async Task Lua_booleans_are_booleans_and_nil_is_null()
    {
        // A script opts in to RESP3 conversions with redis.setresp(3); the connection must speak RESP3 too.
        var yes = await _client.EvalAsync(new RedisScript("redis.setresp(3) return true"), [], []);
        Assert.Equal(RedisReplyKind.Boolean, yes.Kind);
        Assert.Equal(1, yes.AsInt64());
        var no = await _client.EvalAsync(new RedisScript("redis.setresp(3) return false"), [], []);
        Assert.Equal((RedisReplyKind.Boolean, 0L), (no.Kind, no.Integer));
        Assert.True((await _client.Run("GET", "r3:missing")).IsNull);
    }

    [Fact]
    public async Task Resp2_sees_lua_true_as_one()
    {
        await using var resp2 = Clients.Create(fixture.Server.Endpoint);
        var yes = await resp2.EvalAsync(new RedisScript("return true"), [], []);
        Assert.Equal((RedisReplyKind.Integer, 1L), (yes.Kind, yes.Integer));
    }

    [Fact]
    public async Task Invalidation_pushes_are_skipped()
    {
        // Client tracking makes the server push an invalidation when a key this connection read is written.
        await _client.Run("CLIENT", "TRACKING", "ON");
        await _client.Run("SET", "r3:tracked", "1");
        Assert.Equal("1", await _client.Get("r3:tracked"));
        await using var other = Clients.Create(fixture.Server.Endpoint);
        for (var i = 2; i < 20; i++)
        {
            await other.Run("SET", "r3:tracked", i.ToString(System.Globalization.CultureInfo.InvariantCulture));
            Assert.Equal(i.ToString(System.Globalization.CultureInfo.InvariantCulture), await _client.Get("r3:tracked"));
            Assert.Equal($"e{i}", (await _client.Run("ECHO", $"e{i}")).AsString());
        }

        await _client.Run("CLIENT", "TRACKING", "OFF");
    }
}
