using Guard.Redis.PubSub;
using Guard.Redis.Tests.Support;
using Guard.TestSupport;

namespace Guard.Redis.Tests.Server;

/// <summary>A subscriber whose server dies and comes back, or whose first endpoint never answers.</summary>
public class PubSubRecoveryTests : IAsyncLifetime
{
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
    public async Task A_killed_and_restarted_server_is_subscribed_again()
    {
        var logger = new CapturingLogger<RedisSubscriber>();
        var inbox = new SubscriberInbox();
        await using var subscriber = inbox.Subscriber(_server.Endpoint, logger: logger);
        subscriber.Subscribe("rec:a");
        await inbox.SubscribedAsync("rec:a");

        _server.Kill();
        await PubSubTests.Eventually(() => Task.FromResult(!subscriber.IsConnected));
        await _server.RestartAsync();

        await inbox.SubscribedAsync("rec:a");
        await using var client = Clients.Create(_server.Endpoint);
        Assert.Equal(1, await client.PublishAsync("rec:a", "back"u8.ToArray()));
        Assert.Equal("rec:a", (await inbox.NextMessageAsync()).Channel);
        Assert.Contains(logger.Entries, e => e.Contains("lost its connection", StringComparison.Ordinal));
    }

    [Fact]
    public async Task The_first_endpoint_that_answers_is_used()
    {
        var inbox = new SubscriberInbox();
        await using var subscriber = inbox.Subscriber([$"127.0.0.1:{FreePort.Next()}", _server.Endpoint], o => o.ConnectTimeout = TimeSpan.FromMilliseconds(500));
        subscriber.Subscribe("rec:b");
        await inbox.SubscribedAsync("rec:b");

        await using var client = Clients.Create(_server.Endpoint);
        Assert.Equal(1, await client.PublishAsync("rec:b", "x"u8.ToArray()));
        Assert.Equal("rec:b", (await inbox.NextMessageAsync()).Channel);
    }
}
