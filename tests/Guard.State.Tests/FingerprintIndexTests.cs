using Guard.State.Fingerprints;
using Guard.State.Tests.Support;

namespace Guard.State.Tests;

/// <summary>The global fingerprint index: the same behaviour on both backends.</summary>
public abstract class FingerprintIndexBehaviourTests
{
    protected abstract IFingerprintIndex Index { get; }

    protected abstract Task WaitAsync(TimeSpan duration);

    protected virtual string Scope { get; } = "model-" + Guid.NewGuid().ToString("N")[..8];

    private static ulong[] Hashes(int from, int count) => Enumerable.Range(from, count).Select(i => (ulong)i * 0x9E3779B97F4A7C15UL).ToArray();

    [Fact]
    public async Task A_near_duplicate_finds_its_original_with_the_shared_count()
    {
        var first = await Index.MatchAndAddAsync(Scope, "q1", Hashes(0, 50), 8, TimeSpan.FromMinutes(1));
        Assert.Equal(new FingerprintLookup(null, 0), first);

        await Index.MatchAndAddAsync(Scope, "q2", Hashes(1000, 50), 8, TimeSpan.FromMinutes(1));
        var near = await Index.MatchAndAddAsync(Scope, "q3", Hashes(10, 50), 8, TimeSpan.FromMinutes(1));
        Assert.Equal(new FingerprintLookup("q1", 40), near);

        // q3 is recorded too: the next step of the attack matches it fully.
        Assert.Equal(new FingerprintLookup("q3", 50), await Index.MatchAndAddAsync(Scope, "q4", Hashes(10, 50), 8, TimeSpan.FromMinutes(1)));
    }

    [Fact]
    public async Task Scopes_are_separate_and_empty_fingerprints_match_nothing()
    {
        await Index.MatchAndAddAsync(Scope, "a", Hashes(0, 50), 8, TimeSpan.FromMinutes(1));
        Assert.Equal(0, (await Index.MatchAndAddAsync(Scope + "-other", "b", Hashes(0, 50), 8, TimeSpan.FromMinutes(1))).SharedHashes);
        Assert.Equal(new FingerprintLookup(null, 0), await Index.MatchAndAddAsync(Scope, "c", ReadOnlyMemory<ulong>.Empty, 8, TimeSpan.FromMinutes(1)));
    }

    [Fact]
    public async Task Each_hash_remembers_only_its_most_recent_queries()
    {
        var shared = Hashes(500, 50);
        for (var i = 0; i < 5; i++)
        {
            await Index.MatchAndAddAsync(Scope, $"old-{i}", shared, 2, TimeSpan.FromMinutes(1));
        }

        var lookup = await Index.MatchAndAddAsync(Scope, "new", shared, 2, TimeSpan.FromMinutes(1));
        Assert.Equal("old-4", lookup.BestQuery);
        Assert.Equal(50, lookup.SharedHashes);
    }

    [Fact]
    public async Task History_ages_out_after_the_index_lifetime()
    {
        await Index.MatchAndAddAsync(Scope, "before", Hashes(0, 50), 8, TimeSpan.FromMilliseconds(300));
        await WaitAsync(TimeSpan.FromMilliseconds(800));
        Assert.Equal(0, (await Index.MatchAndAddAsync(Scope, "after", Hashes(0, 50), 8, TimeSpan.FromMilliseconds(300))).SharedHashes);
    }
}

public sealed class EmbeddedFingerprintIndexTests : FingerprintIndexBehaviourTests
{
    private readonly ManualTimeProvider _time = new();

    public EmbeddedFingerprintIndexTests() => Index = new EmbeddedFingerprintIndex(_time);

    protected override IFingerprintIndex Index { get; }

    protected override Task WaitAsync(TimeSpan duration)
    {
        _time.Advance(duration);
        return Task.CompletedTask;
    }

    [Fact]
    public async Task The_hash_bound_keeps_memory_finite()
    {
        var index = new EmbeddedFingerprintIndex(_time, maxHashes: 1000);
        for (var i = 0; i < 200; i++)
        {
            await index.MatchAndAddAsync("m", $"q{i}", Enumerable.Range(i * 50, 50).Select(h => (ulong)h).ToArray(), 4, TimeSpan.FromHours(1));
            _time.Advance(TimeSpan.FromMilliseconds(1));
        }

        // The most recent queries are still found; the oldest were evicted.
        Assert.Equal(50, (await index.MatchAndAddAsync("m", "recent", Enumerable.Range(199 * 50, 50).Select(h => (ulong)h).ToArray(), 4, TimeSpan.FromHours(1))).SharedHashes);
        Assert.Equal(0, (await index.MatchAndAddAsync("m", "oldest", Enumerable.Range(0, 50).Select(h => (ulong)h).ToArray(), 4, TimeSpan.FromHours(1))).SharedHashes);
    }
}

public sealed class RedisFingerprintIndexTests(RedisServerFixture redis) : FingerprintIndexBehaviourTests, IClassFixture<RedisServerFixture>
{
    protected override IFingerprintIndex Index { get; } = new RedisFingerprintIndex(redis.Client, "fp:");

    protected override Task WaitAsync(TimeSpan duration) => Task.Delay(duration);

    [Fact]
    public async Task One_EVALSHA_per_query_on_keys_of_one_slot()
    {
        await Index.MatchAndAddAsync(Scope, "warm", Enumerable.Range(0, 50).Select(h => (ulong)h).ToArray(), 8, TimeSpan.FromMinutes(1));
        var before = await CallsAsync("evalsha");
        for (var i = 0; i < 20; i++)
        {
            await Index.MatchAndAddAsync(Scope, $"q{i}", Enumerable.Range(i, 50).Select(h => (ulong)h).ToArray(), 8, TimeSpan.FromMinutes(1));
        }
        Assert.Equal(20, await CallsAsync("evalsha") - before);

        // One Redis hash per epoch (two if the minute turned during the test), holding all 69 distinct window hashes.
        var keys = await redis.Client.ExecuteAsync(["KEYS", $"fp:{{f:{Scope}}}:e:*"]);
        Assert.InRange(keys.Items.Count, 1, 2);
        long fields = 0;
        foreach (var key in keys.Items)
        {
            fields += (await redis.Client.ExecuteAsync(["HLEN", key.AsString()!])).AsInt64();
        }

        Assert.InRange(fields, 69, 138);
        Assert.Equal(0, await CallsAsync("lrange"));
    }

    [Fact]
    public async Task Matches_carry_over_from_the_previous_epoch_but_not_from_older_ones()
    {
        var clock = new ManualTimeProvider();
        var index = new RedisFingerprintIndex(redis.Client, "fp:", clock);
        var lifetime = TimeSpan.FromMinutes(10);
        // The clock starts 0.123 s into a 10-minute epoch (12:00:00.123 UTC): 9 minutes on is late in it.
        clock.Advance(TimeSpan.FromMinutes(9));

        // Late in one epoch, then early in the next: still found.
        await index.MatchAndAddAsync(Scope, "late", Enumerable.Range(0, 50).Select(h => (ulong)h).ToArray(), 8, lifetime);
        clock.Advance(TimeSpan.FromMinutes(2));
        Assert.Equal(new Fingerprints.FingerprintLookup("late", 50), await index.MatchAndAddAsync(Scope, "next", Enumerable.Range(0, 50).Select(h => (ulong)h).ToArray(), 8, lifetime));

        // Two epochs on, nothing: the index has reset.
        clock.Advance(TimeSpan.FromMinutes(20));
        Assert.Equal(0, (await index.MatchAndAddAsync(Scope, "much-later", Enumerable.Range(0, 50).Select(h => (ulong)h).ToArray(), 8, lifetime)).SharedHashes);
    }

    [Fact]
    public async Task A_query_id_with_the_separator_is_refused()
    {
        await Assert.ThrowsAsync<ArgumentException>(async () => await Index.MatchAndAddAsync(Scope, "a\nb", new ulong[] { 1 }, 8, TimeSpan.FromMinutes(1)));
    }

    private async Task<long> CallsAsync(string command)
    {
        var info = (await redis.Client.ExecuteAsync(["INFO", "commandstats"])).AsString() ?? "";
        var line = info.Split('\n').FirstOrDefault(l => l.StartsWith($"cmdstat_{command}:", StringComparison.Ordinal));
        return line is null ? 0 : long.Parse(line.Split("calls=")[1].Split(',')[0], System.Globalization.CultureInfo.InvariantCulture);
    }
}
