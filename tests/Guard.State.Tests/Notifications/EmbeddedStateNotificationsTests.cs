using System.Text;
using Guard.State.Notifications;
using Guard.State.Tests.Support;
using Microsoft.Extensions.Logging.Abstractions;

namespace Guard.State.Tests.Notifications;

/// <summary>In-process fan-out: every subscriber of a channel, in order, off the publisher's call.</summary>
public sealed class EmbeddedStateNotificationsTests : IAsyncDisposable
{
    private readonly EmbeddedStateNotifications _notifications = new(NullLogger<EmbeddedStateNotifications>.Instance);

    public ValueTask DisposeAsync() => _notifications.DisposeAsync();

    [Fact]
    public async Task A_message_reaches_every_subscriber_of_its_channel_and_no_other()
    {
        NotificationInbox first = new(), second = new(), elsewhere = new();
        await using var a = _notifications.Subscribe("policies", first.OnMessageAsync);
        await using var b = _notifications.Subscribe("policies", second.OnMessageAsync);
        await using var c = _notifications.Subscribe("other", elsewhere.OnMessageAsync);

        await _notifications.PublishAsync("policies", Utf8("v2"));
        await _notifications.PublishAsync("policies", Utf8("v3"));

        foreach (var inbox in new[] { first, second })
        {
            Assert.Equal("v2", Text(await inbox.NextAsync()));
            Assert.Equal("v3", Text(await inbox.NextAsync()));
        }
        Assert.True(await elsewhere.StaysEmptyAsync(TimeSpan.FromMilliseconds(100)));
    }

    [Fact]
    public async Task On_subscribed_runs_once_before_any_later_message()
    {
        var order = new List<string>();
        var done = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        await using var subscription = _notifications.Subscribe(
            "policies",
            (message, _) =>
            {
                order.Add(Text(message.ToArray()));
                done.TrySetResult();
                return ValueTask.CompletedTask;
            },
            _ =>
            {
                order.Add("subscribed");
                return ValueTask.CompletedTask;
            });

        await _notifications.PublishAsync("policies", Utf8("v1"));

        await done.Task.WaitAsync(NotificationInbox.Patience);
        Assert.Equal(["subscribed", "v1"], order);
    }

    [Fact]
    public async Task Publishing_returns_before_handlers_run_and_the_payload_is_a_copy()
    {
        var gate = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        var inbox = new NotificationInbox();
        await using var subscription = _notifications.Subscribe("policies", async (message, token) =>
        {
            await gate.Task.WaitAsync(token);
            await inbox.OnMessageAsync(message, token);
        });
        var buffer = Utf8("original");

        await _notifications.PublishAsync("policies", buffer).AsTask().WaitAsync(NotificationInbox.Patience);
        buffer[0] = (byte)'X';
        gate.SetResult();

        Assert.Equal("original", Text(await inbox.NextAsync()));
    }

    [Fact]
    public async Task A_failing_handler_does_not_stop_its_neighbours_or_later_messages()
    {
        var inbox = new NotificationInbox();
        await using var faulty = _notifications.Subscribe("policies", (_, _) => throw new InvalidOperationException("handler bug"), _ => throw new InvalidOperationException("also broken"));
        await using var healthy = _notifications.Subscribe("policies", inbox.OnMessageAsync);

        await _notifications.PublishAsync("policies", Utf8("a"));
        await _notifications.PublishAsync("policies", Utf8("b"));

        Assert.Equal("a", Text(await inbox.NextAsync()));
        Assert.Equal("b", Text(await inbox.NextAsync()));
    }

    [Fact]
    public async Task A_disposed_subscription_hears_nothing_more()
    {
        NotificationInbox gone = new(), staying = new();
        var subscription = _notifications.Subscribe("policies", gone.OnMessageAsync);
        await using var other = _notifications.Subscribe("policies", staying.OnMessageAsync);

        await subscription.DisposeAsync();
        await _notifications.PublishAsync("policies", Utf8("after"));

        Assert.Equal("after", Text(await staying.NextAsync()));
        Assert.True(gone.IsEmpty);
        await subscription.DisposeAsync();
    }

    [Fact]
    public async Task Disposing_cancels_a_running_handler_and_later_publishes_are_refused()
    {
        var notifications = new EmbeddedStateNotifications(NullLogger<EmbeddedStateNotifications>.Instance);
        var started = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        var cancelled = false;
        notifications.Subscribe("policies", async (_, token) =>
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
        });
        await notifications.PublishAsync("policies", Utf8("x"));
        await started.Task.WaitAsync(NotificationInbox.Patience);

        await notifications.DisposeAsync();

        Assert.True(cancelled);
        await Assert.ThrowsAsync<ObjectDisposedException>(async () => await notifications.PublishAsync("policies", Utf8("y")));
        await notifications.DisposeAsync();
    }

    private static byte[] Utf8(string text) => Encoding.UTF8.GetBytes(text);

    private static string Text(byte[] bytes) => Encoding.UTF8.GetString(bytes);
}
