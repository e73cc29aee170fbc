using Guard.Redis.Tests.Support;

namespace Guard.Redis.Tests.Cluster;

/// <summary>In a 3-master cluster one subscriber connection hears what is published on any node.</summary>
public class ClusterPubSubTests(RedisClusterFixture cluster) : IClassFixture<RedisClusterFixture>
{
    [Fact]
    public async Task A_subscriber_on_one_node_receives_messages_published_on_every_node()
    {
        var inbox = new SubscriberInbox();
        await using var subscriber = inbox.Subscriber(cluster.Servers[0].Endpoint, o => o.Cluster = true);
        subscriber.Subscribe("cps:news");
        await inbox.SubscribedAsync("cps:news");

        for (var node = 0; node < 3; node++)
        {
            await using var direct = cluster.Direct(node);
            await direct.PublishAsync("cps:news", new[] { (byte)node });
            Assert.Equal(node, (await inbox.NextMessageAsync()).Payload.Span[0]);
        }

        await using var client = cluster.ClusterClient();
        await client.PublishAsync("cps:news", "via the cluster client"u8.ToArray());
        Assert.Equal("cps:news", (await inbox.NextMessageAsync()).Channel);
    }
}
