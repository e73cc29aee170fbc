using System.Diagnostics;
using System.Text;
using System.Threading.Channels;
using Guard.Redis;
using Guard.State.Notifications;
using Guard.State.Redis;
using Guard.State.Tests.Support;
using Guard.TestSupport;
using Microsoft.Extensions.Logging.Abstractions;

namespace Guard.State.Tests.Notifications;

/// <summary>
/// Notifications between "replicas": each a <see cref="RedisClient"/>, <see cref="RedisStateStore"/> and
/// <see cref="RedisStateNotifications"/> of its own, as separate Guard processes would have, on one real redis-server.
/// </summary>
public sealed class RedisStateNotificationsTests(RedisServerFixture redis) : IClassFixture<RedisServerFixture>, IAsyncLifetime
{
    private readonly List<Replica> _replicas = [];

    public Task InitializeAsync() => Task.CompletedTask;

    public async Task DisposeAsync()
    {
        foreach (var replica in _replicas)
        {
            await replica.DisposeAsync();
        }
    }

    [Fact]
    public async Task A_message_one_replica_publishes_reaches_every_replica_within_2_s()
    {
        var options = Options();
        var replicas = new[] { Start(options), Start(options), Start(options) };
        var inboxes = replicas.Select(_ => new NotificationInbox()).ToArray();
        for (var i = 0; i < replicas.Length; i++)
        {
            replicas[i].Notifications.Subscribe("policies", inboxes[i].OnMessageAsync, inboxes[i].OnSubscribedAsync);
        }
        foreach (var inbox in inboxes)
        {
            await inbox.SubscribedAsync();
        }

        var stopwatch = Stopwatch.StartNew();
        await replicas[0].Notifications.PublishAsync("policies", Utf8("policy:v2"));

        foreach (var inbox in inboxes)
        {
            Assert.Equal("policy:v2", Text(await inbox.NextAsync(TimeSpan.FromSeconds(2))));
        }
        Assert.True(stopwatch.Elapsed < TimeSpan.FromSeconds(2), $"took {stopwatch.Elapsed}");
    }

    [Fact]
    public async Task A_policy_written_with_compare_and_set_on_one_replica_is_read_by_another_on_notice()
    {
        var options = Options();
        Replica writer = Start(options), reader = Start(options);
        var applied = Channel.CreateUnbounded<string>();
        async ValueTask ReloadAsync(CancellationToken token)
        {
            var policy = await reader.Store.GetAsync("policy", token);
            applied.Writer.TryWrite(policy is null ? "(none)" : Text(policy));
        }
        reader.Notifications.Subscribe("policies", (_, token) => ReloadAsync(token), ReloadAsync);
        using var patience = new CancellationTokenSource(NotificationInbox.Patience);
        Assert.Equal("(none)", await applied.Reader.ReadAsync(patience.Token)); // onSubscribed: the initial read

        Assert.True(await writer.Store.CompareAndSetAsync("policy", null, Utf8("v1")));
        await writer.Notifications.PublishAsync("policies", Utf8("v1"));
        Assert.Equal("v1", await applied.Reader.ReadAsync(patience.Token));
        Assert.False(await writer.Store.CompareAndSetAsync("policy", null, Utf8("v1 again"))); // someone wrote it already
        Assert.True(await writer.Store.CompareAndSetAsync("policy", Utf8("v1"), Utf8("v2")));
        await writer.Notifications.PublishAsync("policies", Utf8("v2"));

        using var twoSeconds = new CancellationTokenSource(TimeSpan.FromSeconds(2));
        Assert.Equal("v2", await applied.Reader.ReadAsync(twoSeconds.Token));
    }

    [Fact]
    public async Task Deployments_with_different_key_prefixes_do_not_hear_each_other()
    {
        Replica ours = Start(Options()), theirs = Start(Options());
        NotificationInbox ourInbox = new(), theirInbox = new();
        ours.Notifications.Subscribe("policies", ourInbox.OnMessageAsync, ourInbox.OnSubscribedAsync);
        theirs.Notifications.Subscribe("policies", theirInbox.OnMessageAsync, theirInbox.OnSubscribedAsync);
        await ourInbox.SubscribedAsync();
        await theirInbox.SubscribedAsync();

        await ours.Notifications.PublishAsync("policies", Utf8("ours"));

        Assert.Equal("ours", Text(await ourInbox.NextAsync()));
        Assert.True(await theirInbox.StaysEmptyAsync(TimeSpan.FromMilliseconds(300)));
        var channels = (await redis.Client.ExecuteAsync(["PUBSUB", "CHANNELS", "*{n:policies}"])).Items.Select(c => c.AsString()).ToArray();
        Assert.Contains(ours.Options.KeyPrefix + "{n:policies}", channels);
        Assert.Contains(theirs.Options.KeyPrefix + "{n:policies}", channels);
    }

    [Fact]
    public async Task After_the_connection_is_cut_on_subscribed_runs_again_and_messages_flow()
    {
        var options = Options();
        Replica publisher = Start(options), subscriber = Start(options);
        var inbox = new NotificationInbox();
        subscriber.Notifications.Subscribe("policies", inbox.OnMessageAsync, inbox.OnSubscribedAsync);
        await inbox.SubscribedAsync();

        await redis.Client.ExecuteAsync(["CLIENT", "KILL", "TYPE", "pubsub"]);

        await inbox.SubscribedAsync(); // the moment to re-read what may have been missed
        Assert.Equal(2, inbox.SubscribedCount);
        await publisher.Notifications.PublishAsync("policies", Utf8("after"));
        Assert.Equal("after", Text(await inbox.NextAsync()));
    }

    [Fact]
    public async Task A_disposed_subscription_hears_nothing_and_the_last_one_leaves_the_channel()
    {
        var options = Options();
        var replica = Start(options);
        NotificationInbox gone = new(), staying = new();
        var first = replica.Notifications.Subscribe("policies", gone.OnMessageAsync, gone.OnSubscribedAsync);
        var second = replica.Notifications.Subscribe("policies", staying.OnMessageAsync, staying.OnSubscribedAsync);
        await gone.SubscribedAsync();
        await staying.SubscribedAsync();

        await first.DisposeAsync();
        await replica.Notifications.PublishAsync("policies", Utf8("after"));

        Assert.Equal("after", Text(await staying.NextAsync()));
        Assert.True(gone.IsEmpty);
        await second.DisposeAsync();
        var channel = options.KeyPrefix + "{n:policies}";
        await NotificationInbox.Eventually(async () => (await redis.Client.ExecuteAsync(["PUBSUB", "NUMSUB", channel])).Items[1].Integer == 0);
    }

    [Fact]
    public async Task A_failing_handler_does_not_stop_its_neighbours()
    {
        var options = Options();
        var replica = Start(options);
        var inbox = new NotificationInbox();
        replica.Notifications.Subscribe("policies", (_, _) => throw new InvalidOperationException("handler bug"));
        replica.Notifications.Subscribe("policies", inbox.OnMessageAsync, inbox.OnSubscribedAsync);
        await inbox.SubscribedAsync();

        await replica.Notifications.PublishAsync("policies", Utf8("a"));
        await replica.Notifications.PublishAsync("policies", Utf8("b"));

        Assert.Equal("a", Text(await inbox.NextAsync()));
        Assert.Equal("b", Text(await inbox.NextAsync()));
    }

    [Fact]
    public async Task Publishing_without_Redis_is_unavailable_and_subscribing_waits_for_it()
    {
        var options = RedisServerFixture.IsolatedOptions();
        options.Redis.Endpoints = [$"127.0.0.1:{FreePort.Next()}"];
        options.Redis.ConnectTimeout = TimeSpan.FromMilliseconds(500);
        await using var client = new RedisClient(options.Redis, NullLogger<RedisClient>.Instance);
        await using var notifications = new RedisStateNotifications(client, options, NullLoggerFactory.Instance);

        await using var subscription = notifications.Subscribe("policies", (_, _) => ValueTask.CompletedTask);

        await Assert.ThrowsAsync<StateUnavailableException>(async () => await notifications.PublishAsync("policies", Utf8("x")));
        Assert.False(notifications.IsConnected);
    }

    /// <summary>A prefix of their own (another deployment), pointing at the fixture's server.</summary>
    private StateOptions Options()
    {
        var options = RedisServerFixture.IsolatedOptions();
        options.Redis.Endpoints = [redis.Server.Endpoint];
        options.Redis.CommandTimeout = TimeSpan.FromSeconds(5);
        options.Redis.ReconnectMinBackoff = TimeSpan.FromMilliseconds(50);
        options.Redis.ReconnectMaxBackoff = TimeSpan.FromMilliseconds(200);
        return options;
    }

    private Replica Start(StateOptions options)
    {
        var client = new RedisClient(options.Redis, NullLogger<RedisClient>.Instance);
        var replica = new Replica(options, client, new RedisStateStore(client, options), new RedisStateNotifications(client, options, NullLoggerFactory.Instance));
        _replicas.Add(replica);
        return replica;
    }

    private static byte[] Utf8(string text) => Encoding.UTF8.GetBytes(text);

    private static string Text(byte[] bytes) => Encoding.UTF8.GetString(bytes);

    private sealed record Replica(StateOptions Options, RedisClient Client, RedisStateStore Store, RedisStateNotifications Notifications) : IAsyncDisposable
    {
        public async ValueTask DisposeAsync()
        {
            await Notifications.DisposeAsync();
            await Client.DisposeAsync();
        }
    }
}
