using Guard.Redis.PubSub;
using Guard.Redis.Tests.Support;
using Guard.TestSupport;

namespace Guard.Redis.Tests.Server;

/// <summary>A subscriber authenticating as an ACL user that may use some channels only; the password never shows.</summary>
public class PubSubAuthTests : IAsyncLifetime
{
    private const string Password = "sub-s3cret-Pa55";

    private RedisServer _server = null!;

    public async Task InitializeAsync() =>
        _server = await RedisServer.StartAsync("--user", "alice", "on", $">{Password}", "~*", "resetchannels", "&auth:ok:*", "+@all", "--user", "default", "off");

    public async Task DisposeAsync()
    {
        if (_server is not null)
        {
            await _server.DisposeAsync();
        }
    }

    [Theory]
    [InlineData(2)]
    [InlineData(3)]
    public async Task An_acl_user_subscribes_to_its_channels_and_a_forbidden_one_is_logged_not_fatal(int protocol)
    {
        var logger = new CapturingLogger<RedisSubscriber>();
        var inbox = new SubscriberInbox();
        var allowed = $"auth:ok:{protocol}";
        await using var client = Clients.Create(_server.Endpoint, o => Authenticate(o, Password, protocol));
        await using (var subscriber = inbox.Subscriber(_server.Endpoint, o => Authenticate(o, Password, protocol), logger))
        {
            subscriber.Subscribe("auth:forbidden");
            subscriber.Subscribe(allowed);
            await inbox.SubscribedAsync(allowed);

            Assert.Equal(1, await client.PublishAsync(allowed, "hi"u8.ToArray()));
            Assert.Equal(allowed, (await inbox.NextMessageAsync()).Channel);
            Assert.Contains(logger.Entries, e => e.Contains("NOPERM", StringComparison.Ordinal) && e.Contains("auth:forbidden", StringComparison.Ordinal));
        }

        Assert.DoesNotContain(Password, logger.AllText, StringComparison.Ordinal);
    }

    [Fact]
    public async Task A_wrong_password_keeps_it_disconnected_and_leaks_nothing()
    {
        var logger = new CapturingLogger<RedisSubscriber>();
        var inbox = new SubscriberInbox();
        await using (var subscriber = inbox.Subscriber(_server.Endpoint, o => Authenticate(o, "wr0ng-Pa55", 2), logger))
        {
            subscriber.Subscribe("auth:ok:x");
            await PubSubTests.Eventually(() => Task.FromResult(logger.AllText.Contains("WRONGPASS", StringComparison.Ordinal)));
            Assert.False(subscriber.IsConnected);
        }

        Assert.DoesNotContain("wr0ng-Pa55", logger.AllText, StringComparison.Ordinal);
    }

    private static void Authenticate(RedisOptions options, string password, int protocol)
    {
        options.User = "alice";
        options.Password = password;
        options.Protocol = protocol;
    }
}
