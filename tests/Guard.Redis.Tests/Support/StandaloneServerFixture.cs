using Guard.TestSupport;

namespace Guard.Redis.Tests.Support;

/// <summary>One redis-server (DEBUG enabled) shared by a test class; tests use distinct keys.</summary>
public sealed class StandaloneServerFixture : IAsyncLifetime
{
    public RedisServer Server { get; private set; } = null!;

    public async Task InitializeAsync() => Server = await RedisServer.StartAsync("--enable-debug-command", "yes");

    public async Task DisposeAsync()
    {
        if (Server is not null)
        {
            await Server.DisposeAsync();
        }
    }
}
