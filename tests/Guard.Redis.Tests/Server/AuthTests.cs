using Guard.TestSupport;
using Guard.Redis.Tests.Support;

namespace Guard.Redis.Tests.Server;

/// <summary>ACL users over RESP2 (AUTH user pass) and RESP3 (HELLO 3 AUTH), and the password never showing up anywhere.</summary>
public class AuthTests : IAsyncLifetime
{
    private const string Password = "s3cret-Pa55";
    private const string WrongPassword = "wr0ng-Pa55";

    private RedisServer _server = null!;

    public async Task InitializeAsync() =>
        _server = await RedisServer.StartAsync("--user", "alice", "on", $">{Password}", "~*", "&*", "+@all", "--user", "default", "off");

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
    public async Task Acl_user_authenticates(int protocol)
    {
        var logger = new CapturingLogger<RedisClient>();
        await using (var client = Clients.Create(_server.Endpoint, o => Configure(o, Password, protocol), logger))
        {
            await client.Run("SET", "auth:k", "v");
            Assert.Equal("v", await client.Get("auth:k"));
            Assert.Equal("alice", (await client.Run("ACL", "WHOAMI")).AsString());
            Assert.True((await client.ExecuteBlockingAsync(["BLPOP", "auth:none", 0.1])).IsNull);
        }

        Assert.NotEmpty(logger.Entries);
        Assert.DoesNotContain(Password, logger.AllText, StringComparison.Ordinal);
    }

    [Theory]
    [InlineData(2)]
    [InlineData(3)]
    public async Task Wrong_password_is_a_clear_connection_error_that_leaks_nothing(int protocol)
    {
        var logger = new CapturingLogger<RedisClient>();
        var options = new RedisOptions { Endpoints = [_server.Endpoint] };
        Configure(options, WrongPassword, protocol);
        await using (var client = new RedisClient(options, logger))
        {
            var error = await Assert.ThrowsAsync<RedisConnectionException>(() => client.Run("PING"));
            Assert.Contains("WRONGPASS", error.ToString(), StringComparison.Ordinal);
            Assert.Contains("alice", error.Message, StringComparison.Ordinal);
            Assert.DoesNotContain(WrongPassword, error.ToString(), StringComparison.Ordinal);
            await Assert.ThrowsAsync<RedisConnectionException>(() => client.Run("PING"));
        }

        Assert.Contains(logger.Entries, e => e.Contains("WRONGPASS", StringComparison.Ordinal));
        Assert.DoesNotContain(WrongPassword, logger.AllText, StringComparison.Ordinal);
        Assert.DoesNotContain(WrongPassword, options.ToString(), StringComparison.Ordinal);
        Assert.Contains("password=***", options.ToString(), StringComparison.Ordinal);
    }

    [Fact]
    public async Task No_credentials_get_noauth()
    {
        await using var client = Clients.Create(_server.Endpoint);
        var error = await Assert.ThrowsAsync<RedisServerException>(() => client.Run("GET", "auth:k"));
        Assert.Equal("NOAUTH", error.Prefix);
    }

    private static void Configure(RedisOptions options, string password, int protocol)
    {
        options.User = "alice";
        options.Password = password;
        options.Protocol = protocol;
    }
}
