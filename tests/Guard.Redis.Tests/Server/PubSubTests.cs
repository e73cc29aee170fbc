using System.Security.Cryptography;
using System.Text;
using Guard.Redis.PubSub;
using Guard.Redis.Tests.Support;
using Microsoft.Extensions.Logging.Abstractions;

namespace Guard.Redis.Tests.Server;

/// <summary>PUBLISH and <see cref="RedisSubscriber"/> against a real redis-server: delivery, channels, payloads,
/// reconnecting after the server drops the subscriber, handler failures and disposal.</summary>
public class PubSubTests(StandaloneServerFixture fixture) : IClassFixture<StandaloneServerFixture>
{
    private string Endpoint => fixture.Server.Endpoint;

    [Theory]
    [InlineData(2)]
    [InlineData(3)]
    public async Task A_published_message_reaches_the_subscriber_and_publish_counts_receivers(int protocol)
    {
        var channel = $"ps:one:{protocol}";
        var inbox = new SubscriberInbox();
        await using var client = Clients.Create(Endpoint, o => o.Protocol = protocol);
        Assert.Equal(0, await client.PublishAsync(channel, "nobody listens"u8.ToArray()));
        await using var subscriber = inbox.Subscriber(Endpoint, o => o.Protocol = protocol);

        subscriber.Subscribe(channel);
        await inbox.SubscribedAsync(channel);

        Assert.True(subscriber.IsConnected);
        Assert.Equal(1, await client.PublishAsync(channel, "hello"u8.ToArray()));
        var message = await inbox.NextMessageAsync(TimeSpan.FromSeconds(2));
        Assert.Equal(("hello", channel), (Text(message), message.Channel));
    }

    [Fact]
    public async Task Several_channels_deliver_their_own_messages_in_order_and_an_unsubscribed_one_stops()
    {
        string[] channels = ["ps:many:a", "ps:many:b", "ps:many:c"];
        var inbox = new SubscriberInbox();
        await using var client = Clients.Create(Endpoint);
        await using var subscriber = inbox.Subscriber(Endpoint);
        foreach (var channel in channels)
        {
            subscriber.Subscribe(channel);
        }

        await inbox.SubscribedAsync(channels);
        for (var i = 0; i < 30; i++)
        {
            Assert.Equal(1, await client.PublishAsync(channels[i % 3], Encoding.UTF8.GetBytes($"m{i}")));
        }

        for (var i = 0; i < 30; i++)
        {
            var message = await inbox.NextMessageAsync();
            Assert.Equal((channels[i % 3], $"m{i}"), (message.Channel, Text(message)));
        }

        subscriber.Unsubscribe("ps:many:b");
        await Eventually(async () => (await client.Run("PUBSUB", "NUMSUB", "ps:many:b")).Items[1].Integer == 0);
        Assert.Equal(0, await client.PublishAsync("ps:many:b", "gone"u8.ToArray()));
        Assert.Equal(1, await client.PublishAsync("ps:many:c", "still here"u8.ToArray()));
        Assert.Equal(("ps:many:c", "still here"), Read(await inbox.NextMessageAsync()));
        Assert.True(await inbox.StaysEmptyAsync(TimeSpan.FromMilliseconds(200)));
    }

    [Fact]
    public async Task Binary_payloads_arrive_byte_for_byte()
    {
        byte[][] payloads =
        [
            Enumerable.Range(0, 256).Select(i => (byte)i).ToArray(),
            [],
            "\r\n*3\r\n$7\r\nmessage\r\n$1\r\nx\r\n"u8.ToArray(), // RESP inside a payload is just bytes
            RandomNumberGenerator.GetBytes(1 << 20),
        ];
        var inbox = new SubscriberInbox();
        await using var client = Clients.Create(Endpoint);
        await using var subscriber = inbox.Subscriber(Endpoint);
        subscriber.Subscribe("ps:binary");
        await inbox.SubscribedAsync("ps:binary");

        foreach (var payload in payloads)
        {
            await client.PublishAsync("ps:binary", payload);
        }

        foreach (var payload in payloads)
        {
            Assert.Equal(payload, (await inbox.NextMessageAsync()).Payload.ToArray());
        }
    }

    [Theory]
    [InlineData(2)]
    [InlineData(3)]
    public async Task A_connection_the_server_kills_is_made_again_resubscribed_and_reported(int protocol)
    {
        string[] channels = [$"ps:kill:{protocol}:a", $"ps:kill:{protocol}:b"];
        var logger = new CapturingLogger<RedisSubscriber>();
        var inbox = new SubscriberInbox();
        await using var client = Clients.Create(Endpoint);
        await using var subscriber = inbox.Subscriber(Endpoint, o => o.Protocol = protocol, logger);
        subscriber.Subscribe(channels[0]);
        subscriber.Subscribe(channels[1]);
        await inbox.SubscribedAsync(channels);

        Assert.Equal(1, (await client.Run("CLIENT", "KILL", "TYPE", "pubsub")).Integer);

        // Told again for each channel: the moment to re-read what may have been missed while cut off.
        await inbox.SubscribedAsync(channels);
        Assert.True(subscriber.IsConnected);
        Assert.Contains(logger.Entries, e => e.Contains("lost its connection", StringComparison.Ordinal));
        foreach (var channel in channels)
        {
            Assert.Equal(1, await client.PublishAsync(channel, "after"u8.ToArray()));
            Assert.Equal((channel, "after"), Read(await inbox.NextMessageAsync()));
        }
    }

    [Fact]
    public async Task A_failing_handler_is_logged_and_later_messages_still_arrive()
    {
        var logger = new CapturingLogger<RedisSubscriber>();
        var inbox = new SubscriberInbox();
        var calls = 0;
        await using var client = Clients.Create(Endpoint);
        await using var subscriber = new RedisSubscriber(
            Options(),
            logger,
            (message, token) => Interlocked.Increment(ref calls) == 1
                ? throw new InvalidOperationException("handler bug")
                : inbox.OnMessageAsync(message, token),
            inbox.OnSubscribedAsync);
        subscriber.Subscribe("ps:faulty");
        await inbox.SubscribedAsync("ps:faulty");

        await client.PublishAsync("ps:faulty", "first"u8.ToArray());
        await client.PublishAsync("ps:faulty", "second"u8.ToArray());

        Assert.Equal("second", Text(await inbox.NextMessageAsync()));
        Assert.Contains(logger.Entries, e => e.StartsWith("Error", StringComparison.Ordinal) && e.Contains("handler bug", StringComparison.Ordinal));
        Assert.True(subscriber.IsConnected);
    }

    [Fact]
    public async Task A_handler_far_behind_costs_the_connection_not_memory_and_is_told_to_catch_up()
    {
        var logger = new CapturingLogger<RedisSubscriber>();
        var inbox = new SubscriberInbox();
        var gate = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        await using var client = Clients.Create(Endpoint);
        await using var subscriber = new RedisSubscriber(
            Options(),
            logger,
            async (message, token) =>
            {
                await gate.Task.WaitAsync(token);
                await inbox.OnMessageAsync(message, token);
            },
            inbox.OnSubscribedAsync);
        subscriber.Subscribe("ps:slow");
        await inbox.SubscribedAsync("ps:slow");

        await Task.WhenAll(Enumerable.Range(0, DeliveryQueue.Capacity + 500).Select(i => client.PublishAsync("ps:slow", new[] { (byte)i })));
        await Eventually(() => Task.FromResult(logger.AllText.Contains("fell", StringComparison.Ordinal)));
        gate.SetResult();

        await inbox.SubscribedAsync("ps:slow");

        // Under load the flood may still be arriving after the first reconnect and cost another connection or two,
        // so publish until someone is listening.
        await Eventually(async () => await client.PublishAsync("ps:slow", "caught up"u8.ToArray()) == 1);
        while (Text(await inbox.NextMessageAsync()) != "caught up")
        {
        }
    }

    [Fact]
    public async Task Disposing_cancels_the_running_handler_waits_for_it_and_leaves_the_server()
    {
        var subscribed = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        var started = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        var cancelled = false;
        await using var client = Clients.Create(Endpoint);
        var subscriber = new RedisSubscriber(
            Options(),
            NullLogger<RedisSubscriber>.Instance,
            async (_, token) =>
            {
                started.TrySetResult();
                try
                {
                    await Task.Delay(Timeout.Infinite, token);
                }
                finally
                {
                    cancelled = token.IsCancellationRequested;
                }
            },
            (_, _) =>
            {
                subscribed.TrySetResult();
                return ValueTask.CompletedTask;
            });
        subscriber.Subscribe("ps:dispose");
        await subscribed.Task.WaitAsync(SubscriberInbox.Patience);
        await client.PublishAsync("ps:dispose", "x"u8.ToArray());
        await started.Task.WaitAsync(SubscriberInbox.Patience);

        await subscriber.DisposeAsync();

        Assert.True(cancelled);
        Assert.False(subscriber.IsConnected);
        await subscriber.DisposeAsync();
        Assert.Throws<ObjectDisposedException>(() => subscriber.Subscribe("ps:dispose"));
        await Eventually(async () => (await client.Run("PUBSUB", "NUMSUB", "ps:dispose")).Items[1].Integer == 0);
    }

    [Fact]
    public async Task A_handler_may_dispose_its_own_subscriber()
    {
        var disposed = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        var inbox = new SubscriberInbox();
        await using var client = Clients.Create(Endpoint);
        RedisSubscriber? subscriber = null;
        subscriber = new RedisSubscriber(
            Options(),
            NullLogger<RedisSubscriber>.Instance,
            async (_, _) =>
            {
                await subscriber!.DisposeAsync();
                disposed.TrySetResult();
            },
            inbox.OnSubscribedAsync);
        subscriber.Subscribe("ps:self");
        await inbox.SubscribedAsync("ps:self");

        await client.PublishAsync("ps:self", "bye"u8.ToArray());

        await disposed.Task.WaitAsync(SubscriberInbox.Patience);
        Assert.False(subscriber.IsConnected);
    }

    private RedisOptions Options() => new()
    {
        Endpoints = [Endpoint],
        CommandTimeout = Clients.TestCommandTimeout,
        ReconnectMinBackoff = TimeSpan.FromMilliseconds(50),
        ReconnectMaxBackoff = TimeSpan.FromMilliseconds(200),
    };

    private static string Text(RedisMessage message) => Encoding.UTF8.GetString(message.Payload.Span);

    private static (string Channel, string Text) Read(RedisMessage message) => (message.Channel, Text(message));

    internal static async Task Eventually(Func<Task<bool>> condition)
    {
        var deadline = DateTime.UtcNow + SubscriberInbox.Patience;
        while (!await condition())
        {
            Assert.True(DateTime.UtcNow < deadline, "the condition did not become true in time");
            await Task.Delay(20);
        }
    }
}
