using Guard.TestSupport;
using Guard.Redis.Tests.Support;

namespace Guard.Redis.Tests.Cluster;

/// <summary>A cluster client given one seed node, against a real 3-master cluster.</summary>
public class ClusterTests(RedisClusterFixture cluster) : IClassFixture<RedisClusterFixture>
{
    [Fact]
    public async Task Keys_spread_over_all_masters_are_set_and_read_back()
    {
        await using var client = cluster.ClusterClient();
        var keys = Enumerable.Range(0, 300).Select(i => $"spread:{i}").ToArray();
        await Task.WhenAll(keys.Select(k => client.ExecuteAsync(["SET", k, $"value-of-{k}"], k)));
        var values = await Task.WhenAll(keys.Select(k => client.ExecuteAsync(["GET", k], k)));
        Assert.Equal(keys.Select(k => $"value-of-{k}"), values.Select(v => v.AsString()));

        // Every master holds some of them: routing really used all three.
        for (var node = 0; node < 3; node++)
        {
            await using var direct = cluster.Direct(node);
            Assert.True((await direct.ExecuteAsync(["DBSIZE"])).Integer > 0, $"node {node} got no key");
        }

        Assert.True(client.IsConnected);
    }

    [Fact]
    public async Task Slots_agree_with_cluster_keyslot()
    {
        await using var direct = cluster.Direct(0);
        foreach (var key in new[] { "foo", "123456789", "{user1}:a", "{user1}:b", "ünïcode", "" })
        {
            var expected = (await direct.ExecuteAsync(["CLUSTER", "KEYSLOT", key])).Integer;
            Assert.Equal(expected, Guard.Redis.Cluster.HashSlot.Of(key));
        }

        Assert.Equal(12182, (await direct.ExecuteAsync(["CLUSTER", "KEYSLOT", "foo"])).Integer);
    }

    [Fact]
    public async Task Hash_tagged_keys_share_a_slot_and_a_two_key_script_runs()
    {
        await using var client = cluster.ClusterClient();
        var script = new RedisScript("""
            redis.call('SET', KEYS[1], ARGV[1])
            redis.call('SET', KEYS[2], ARGV[2])
            return redis.call('MGET', KEYS[1], KEYS[2])
            """);
        var reply = await client.EvalAsync(script, ["{user1}:a", "{user1}:b"], ["A", "B"]);
        Assert.Equal(["A", "B"], reply.Items.Select(i => i.AsString()));
        Assert.Equal("B", (await client.ExecuteAsync(["GET", "{user1}:b"], "{user1}:b")).AsString());

        var crossSlot = await Assert.ThrowsAsync<RedisServerException>(() => client.ExecuteAsync(["MGET", "{user1}:a", "{user2}:a"], "{user1}:a"));
        Assert.Equal("CROSSSLOT", crossSlot.Prefix);
    }

    [Fact]
    public async Task Blocking_commands_route_by_key()
    {
        await using var client = cluster.ClusterClient();
        var waiting = client.ExecuteBlockingAsync(["BLPOP", "{q}:jobs", 5], "{q}:jobs");
        await Task.Delay(100);
        await client.ExecuteAsync(["RPUSH", "{q}:jobs", "job1"], "{q}:jobs");
        Assert.Equal("job1", (await waiting).Items[1].AsString());
    }

    [Fact]
    public async Task Follows_ask_during_a_migration_and_moved_after_it()
    {
        // A key whose slot is in no other test's way.
        const string key = "migrating-key";
        const string fresh = "{migrating-key}:new";
        var slot = Guard.Redis.Cluster.HashSlot.Of(key);
        await using var client = cluster.ClusterClient();
        await client.ExecuteAsync(["SET", key, "payload"], key);
        Assert.Equal(0, client.Redirects);

        var source = await cluster.OwnerOf(slot);
        var target = (source + 1) % 3;
        var sourceId = await cluster.NodeId(source);
        var targetId = await cluster.NodeId(target);
        await using var sourceAdmin = cluster.Direct(source);
        await using var targetAdmin = cluster.Direct(target);

        // Migrating: the key moves to the target; the source now answers ASK for it, the map stays as it was.
        await targetAdmin.ExecuteAsync(["CLUSTER", "SETSLOT", slot, "IMPORTING", sourceId]);
        await sourceAdmin.ExecuteAsync(["CLUSTER", "SETSLOT", slot, "MIGRATING", targetId]);
        await sourceAdmin.ExecuteAsync(["MIGRATE", "127.0.0.1", cluster.Servers[target].Port, key, 0, 5000]);

        Assert.Equal("payload", (await client.ExecuteAsync(["GET", key], key)).AsString());
        Assert.Equal(1, client.Redirects);
        await client.ExecuteAsync(["SET", fresh, "new"], fresh);
        Assert.Equal(2, client.Redirects);
        await using (var targetPlain = cluster.Direct(target))
        {
            // The ASKING-flagged writes landed on the importing node.
            Assert.Equal(2, (await targetPlain.ExecuteAsync(["CLUSTER", "COUNTKEYSINSLOT", slot])).Integer);
        }

        // Migration done: every node learns the new owner; the client's map is stale until MOVED corrects it.
        for (var node = 0; node < 3; node++)
        {
            await using var admin = cluster.Direct(node);
            await admin.ExecuteAsync(["CLUSTER", "SETSLOT", slot, "NODE", targetId]);
        }

        Assert.Equal("payload", (await client.ExecuteAsync(["GET", key], key)).AsString());
        Assert.Equal(3, client.Redirects);

        // The map now points at the target: no further redirects.
        for (var i = 0; i < 5; i++)
        {
            Assert.Equal("new", (await client.ExecuteAsync(["GET", fresh], fresh)).AsString());
        }

        Assert.Equal(3, client.Redirects);

        // A brand-new client learns the new layout from CLUSTER SLOTS.
        await using var later = cluster.ClusterClient();
        Assert.Equal("payload", (await later.ExecuteAsync(["GET", key], key)).AsString());
    }
}
