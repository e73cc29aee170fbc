using Guard.TestSupport;
using Guard.Redis;
using Guard.State.Redis;
using Guard.State.Tests.Support;

namespace Guard.State.Tests;

/// <summary>The behaviour suite on Redis (a real redis-server), in real time; each test has a key prefix of its own.</summary>
public sealed class RedisStateStoreBehaviourTests(RedisServerFixture redis) : StateStoreBehaviourTests, IClassFixture<RedisServerFixture>
{
    private readonly StateOptions _options = RedisServerFixture.IsolatedOptions();
    private readonly List<RedisClient> _peerClients = [];

    protected override async Task<IStateStore> CreateStoreAsync()
    {
        var store = new RedisStateStore(redis.Client, _options);
        await store.GetAsync("warm-up"); // connect now, not inside a timed test
        return store;
    }

    /// <summary>Other processes: a connection each, same keys.</summary>
    protected override async Task<IReadOnlyList<IStateStore>> CreatePeersAsync(int count)
    {
        var stores = new List<IStateStore>();
        for (var i = 0; i < count; i++)
        {
            var client = RedisServerFixture.Connect(redis.Server);
            _peerClients.Add(client);
            var store = new RedisStateStore(client, _options);
            await store.GetAsync("warm-up");
            stores.Add(store);
        }
        return stores;
    }

    protected override Task WaitAsync(TimeSpan duration) => Task.Delay(duration);

    public override async Task DisposeAsync()
    {
        foreach (var client in _peerClients)
        {
            await client.DisposeAsync();
        }
        await base.DisposeAsync();
    }
}
