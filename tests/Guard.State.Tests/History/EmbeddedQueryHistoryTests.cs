using Guard.State.History;
using Guard.State.Tests.Support;

namespace Guard.State.Tests.History;

public sealed class EmbeddedQueryHistoryTests : QueryHistoryBehaviourTests
{
    private readonly ManualTimeProvider _time = new();

    public EmbeddedQueryHistoryTests() => History = new EmbeddedQueryHistory(_time);

    protected override IQueryHistory History { get; }

    protected override Task WaitAsync(TimeSpan duration)
    {
        _time.Advance(duration);
        return Task.CompletedTask;
    }

    [Fact]
    public async Task The_client_bound_evicts_the_least_recently_used()
    {
        var history = new EmbeddedQueryHistory(_time, maxClients: 3);
        await history.AppendAndReadAsync("m", "a", Entry(1), 10, Minute);
        await history.AppendAndReadAsync("m", "b", Entry(2), 10, Minute);
        await history.AppendAndReadAsync("m", "c", Entry(3), 10, Minute);
        await history.AppendAndReadAsync("m", "a", Entry(4), 10, Minute); // a is now the most recent
        await history.AppendAndReadAsync("m", "d", Entry(5), 10, Minute); // evicts b

        Assert.Equal(3, history.Count);
        Assert.Empty(await history.AppendAndReadAsync("m", "b", Entry(6), 10, Minute)); // b evicted (and now back, evicting c)
        Expect([4, 1], await history.AppendAndReadAsync("m", "a", Entry(7), 10, Minute));
    }

    [Fact]
    public async Task Expired_histories_are_swept_without_being_asked_for()
    {
        var history = new EmbeddedQueryHistory(_time);
        for (var i = 0; i < 50; i++)
        {
            await history.AppendAndReadAsync("m", $"client-{i}", Entry(i), 10, TimeSpan.FromSeconds(1));
        }

        _time.Advance(TimeSpan.FromSeconds(2));
        await history.AppendAndReadAsync("m", "late", Entry(0), 10, TimeSpan.FromSeconds(1));
        Assert.Equal(1, history.Count);
    }

    [Fact]
    public async Task Returned_entries_are_copies_of_what_the_caller_passed()
    {
        var history = new EmbeddedQueryHistory(_time);
        var entry = Entry(9);
        await history.AppendAndReadAsync("m", "a", entry, 10, Minute);
        entry[0] = 0;
        Expect([9], await history.AppendAndReadAsync("m", "a", Entry(1), 10, Minute));
    }

    [Fact]
    public void A_non_positive_client_bound_is_refused() =>
        Assert.Throws<ArgumentOutOfRangeException>(() => new EmbeddedQueryHistory(_time, maxClients: 0));
}
