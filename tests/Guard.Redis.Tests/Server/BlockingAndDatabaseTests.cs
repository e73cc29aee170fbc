using System.Diagnostics;
using Guard.Redis.Tests.Support;

namespace Guard.Redis.Tests.Server;

/// <summary>Blocking commands on their own pool; SELECT isolating databases.</summary>
public class BlockingAndDatabaseTests(StandaloneServerFixture fixture) : IClassFixture<StandaloneServerFixture>
{
    [Fact]
    public async Task Blpop_does_not_delay_commands_on_the_shared_connection()
    {
        await using var client = Clients.Create(fixture.Server.Endpoint);
        await client.Run("SET", "blk:k", "v");
        var stopwatch = Stopwatch.StartNew();
        var blpop = client.ExecuteBlockingAsync(["BLPOP", "blk:empty", 1.5], "blk:empty");
        await Task.Delay(50);
        var get = client.Get("blk:k");

        // Had GET queued behind BLPOP it could only finish after it.
        Assert.Same(get, await Task.WhenAny(get, blpop));
        Assert.Equal("v", await get);
        Assert.False(blpop.IsCompleted);
        Assert.True((await blpop).IsNull);
        Assert.True(stopwatch.Elapsed >= TimeSpan.FromMilliseconds(1400), $"BLPOP returned after {stopwatch.Elapsed}");
    }

    [Fact]
    public async Task Blpop_gets_a_pushed_value_and_pool_connections_are_reused()
    {
        await using var client = Clients.Create(fixture.Server.Endpoint, o => o.BlockingPoolSize = 1);
        for (var round = 0; round < 3; round++)
        {
            var waiting = client.ExecuteBlockingAsync(["BLPOP", "blk:q", 5]);
            await Task.Delay(100);
            await client.Run("RPUSH", "blk:q", $"item{round}");
            var reply = await waiting;
            Assert.Equal(["blk:q", $"item{round}"], reply.Items.Select(i => i.AsString()));
        }

        // With a pool of one, sequential blocking commands share one server-side connection, apart from the main one.
        var ids = new HashSet<long>();
        for (var i = 0; i < 3; i++)
        {
            ids.Add((await client.ExecuteBlockingAsync(["CLIENT", "ID"])).Integer);
        }

        Assert.Single(ids);
        Assert.NotEqual((await client.Run("CLIENT", "ID")).Integer, ids.Single());
    }

    [Fact]
    public async Task Cancelling_a_blocking_command_frees_the_caller()
    {
        await using var client = Clients.Create(fixture.Server.Endpoint);
        using var cancel = new CancellationTokenSource(TimeSpan.FromMilliseconds(200));
        var stopwatch = Stopwatch.StartNew();
        await Assert.ThrowsAnyAsync<OperationCanceledException>(() => client.ExecuteBlockingAsync(["BLPOP", "blk:never", 0], cancellationToken: cancel.Token));
        Assert.True(stopwatch.Elapsed < TimeSpan.FromSeconds(2));
        Assert.Equal("PONG", (await client.Run("PING")).Text);
        var again = client.ExecuteBlockingAsync(["BLPOP", "blk:never2", 0.2]);
        Assert.True((await again).IsNull);
    }

    [Fact]
    public async Task Select_isolates_databases()
    {
        await using var db0 = Clients.Create(fixture.Server.Endpoint);
        await using var db3 = Clients.Create(fixture.Server.Endpoint, o => o.Database = 3);
        await db0.Run("SET", "db:k", "zero");
        await db3.Run("SET", "db:k", "three");
        await db3.Run("SET", "db:only3", "x");
        Assert.Equal("zero", await db0.Get("db:k"));
        Assert.Equal("three", await db3.Get("db:k"));
        Assert.True((await db0.Run("GET", "db:only3")).IsNull);
        Assert.Equal(1, (await db3.Run("EXISTS", "db:only3")).Integer);
    }

    [Fact]
    public async Task Bad_options_are_rejected_up_front()
    {
        var logger = Microsoft.Extensions.Logging.Abstractions.NullLogger<RedisClient>.Instance;
        Assert.Throws<ArgumentException>(() => new RedisClient(new RedisOptions(), logger));
        Assert.Throws<ArgumentException>(() => new RedisClient(new RedisOptions { Endpoints = ["h:1"], Protocol = 4 }, logger));
        Assert.Throws<ArgumentException>(() => new RedisClient(new RedisOptions { Endpoints = ["h:1"], Cluster = true, Database = 2 }, logger));
        Assert.Throws<ArgumentException>(() => new RedisClient(new RedisOptions { Endpoints = ["h:notaport"] }, logger));
        var disposed = Clients.Create(fixture.Server.Endpoint);
        await disposed.DisposeAsync();
        await Assert.ThrowsAsync<ObjectDisposedException>(() => disposed.Run("PING"));
    }
}
