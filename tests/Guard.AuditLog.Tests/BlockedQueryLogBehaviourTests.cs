using System.Text;
using Guard.AuditLog.Tests.Support;

namespace Guard.AuditLog.Tests;

/// <summary>What every backend must do. Derived classes supply a fresh database per test.</summary>
public abstract class BlockedQueryLogBehaviourTests
{
    /// <summary>A new empty database, and a way to open logs over it (several opens share it, as restarts do).</summary>
    protected abstract Task<Func<BlockedQueryLogOptions?, DbBlockedQueryLog>> NewDatabaseAsync();

    private async Task<DbBlockedQueryLog> NewLogAsync(BlockedQueryLogOptions? options = null) => (await NewDatabaseAsync())(options);

    [Fact]
    public async Task Every_field_round_trips()
    {
        await using var log = await NewLogAsync();
        var raw = Enumerable.Range(0, 4096).Select(i => (byte)(i % 17)).ToArray();
        var entry = new BlockedQuery
        {
            TimeUtc = new DateTimeOffset(2026, 5, 6, 7, 8, 9, TimeSpan.FromHours(2)).AddTicks(1_234_560),
            RequestId = "req-Ω-1",
            ClientId = "tenant/alice, \"quoted\"",
            Model = "resnet50",
            ModelVersion = "3",
            Guard = "extraction",
            Score = 0.987654321012345,
            Threshold = 0.75,
            Action = BlockAction.SilentReject,
            MatchedQueryIds = ["req-0", "req-ü"],
            InputHash = InputHash.Compute(raw),
            Snapshot = TensorSnapshotCodec.TryCreate("FP32", [1, 4, 1024], raw, encoding: SnapshotEncoding.Gzip),
        };

        var id = await log.AppendAsync(entry);
        var read = await log.GetAsync(id);

        Assert.NotNull(read);
        Assert.Equal(id, read.Id);
        Assert.Equal(entry.TimeUtc.ToUniversalTime(), read.TimeUtc);
        Assert.Equal(TimeSpan.Zero, read.TimeUtc.Offset);
        Assert.Equal(entry.RequestId, read.RequestId);
        Assert.Equal(entry.ClientId, read.ClientId);
        Assert.Equal(entry.Model, read.Model);
        Assert.Equal(entry.ModelVersion, read.ModelVersion);
        Assert.Equal(entry.Guard, read.Guard);
        Assert.Equal(entry.Score, read.Score);
        Assert.Equal(entry.Threshold, read.Threshold);
        Assert.Equal(entry.Action, read.Action);
        Assert.Equal(entry.MatchedQueryIds, read.MatchedQueryIds);
        Assert.Equal(entry.InputHash, read.InputHash);
        Assert.NotNull(read.Snapshot);
        Assert.Equal("FP32", read.Snapshot.Datatype);
        Assert.Equal([1L, 4, 1024], read.Snapshot.Shape);
        Assert.Equal(SnapshotEncoding.Gzip, read.Snapshot.Encoding);
        Assert.Equal(raw.Length, read.Snapshot.UncompressedLength);
        Assert.Equal(raw, TensorSnapshotCodec.Decompress(read.Snapshot));
    }

    [Fact]
    public async Task Rows_without_snapshot_and_unknown_ids_read_back_as_such()
    {
        await using var log = await NewLogAsync();
        var id = await log.AppendAsync(Entries.Sample(1) with { Snapshot = null, ModelVersion = "" });

        var read = await log.GetAsync(id);

        Assert.NotNull(read);
        Assert.Null(read.Snapshot);
        Assert.Equal("", read.ModelVersion);
        Assert.Empty(read.MatchedQueryIds);
        Assert.Null(await log.GetAsync(id + 1000));
    }

    [Fact]
    public async Task Filters_and_keyset_paging_return_every_match_once_in_time_then_id_order()
    {
        await using var log = await NewLogAsync();
        // 250 distinct times, four rows each: ties on time are ordered by id.
        var entries = Enumerable.Range(0, 1000).Select(i => Entries.Sample(i, Entries.BaseTime.AddSeconds(i % 250))).ToArray();
        var ids = await Task.WhenAll(entries.Select(e => log.AppendAsync(e).AsTask()));
        var stored = entries.Select((e, i) => e with { Id = ids[i] }).ToArray();
        Assert.Equal(1000, ids.Distinct().Count());

        var pages = 0;
        var all = new List<BlockedQuery>();
        var filter = new BlockedQueryFilter { PageSize = 100 };
        while (true)
        {
            var page = await log.QueryAsync(filter);
            pages++;
            all.AddRange(page.Items);
            if (page.ContinuationToken is null)
            {
                break;
            }

            Assert.Equal(100, page.Items.Count);
            filter = filter with { ContinuationToken = page.ContinuationToken };
        }

        Assert.Equal(10, pages);
        Assert.Equal(Expected(stored, _ => true), all.Select(r => r.Id));

        await AssertFilterAsync(log, stored, new BlockedQueryFilter { ClientId = "client-3" }, e => e.ClientId == "client-3");
        await AssertFilterAsync(log, stored, new BlockedQueryFilter { Model = "model-1" }, e => e.Model == "model-1");
        await AssertFilterAsync(log, stored, new BlockedQueryFilter { Guard = "guard-2" }, e => e.Guard == "guard-2");
        await AssertFilterAsync(log, stored, new BlockedQueryFilter { Action = BlockAction.Ban }, e => e.Action == BlockAction.Ban);
        var from = Entries.BaseTime.AddSeconds(50);
        var to = Entries.BaseTime.AddSeconds(100);
        await AssertFilterAsync(log, stored, new BlockedQueryFilter { FromUtc = from, ToUtc = to }, e => e.TimeUtc >= from && e.TimeUtc < to);
        await AssertFilterAsync(log, stored,
            new BlockedQueryFilter { FromUtc = from, ClientId = "client-1", Model = "model-2", Guard = "guard-0", Action = BlockAction.Reject },
            e => e.TimeUtc >= from && e.ClientId == "client-1" && e.Model == "model-2" && e.Guard == "guard-0" && e.Action == BlockAction.Reject);
        await AssertFilterAsync(log, stored, new BlockedQueryFilter { ClientId = "nobody" }, _ => false);
    }

    [Fact]
    public async Task The_request_id_filter_matches_exactly_and_combines_with_the_others()
    {
        await using var log = await NewLogAsync();
        var entries = Enumerable.Range(0, 40).Select(i => Entries.Sample(i)).ToList();
        // A retried request logged twice by two guards, and an id that is a prefix of another.
        entries.Add(Entries.Sample(40) with { RequestId = "req-7", Guard = "other" });
        entries.Add(Entries.Sample(41) with { RequestId = "req-7-x" });
        var ids = new List<long>();
        foreach (var entry in entries)
        {
            ids.Add(await log.AppendAsync(entry));
        }

        var stored = entries.Select((e, i) => e with { Id = ids[i] }).ToArray();

        await AssertFilterAsync(log, stored, new BlockedQueryFilter { RequestId = "req-7" }, e => e.RequestId == "req-7");
        Assert.Equal(2, (await log.QueryAsync(new BlockedQueryFilter { RequestId = "req-7" })).Items.Count);
        await AssertFilterAsync(log, stored, new BlockedQueryFilter { RequestId = "req-7", Guard = "other" }, e => e.RequestId == "req-7" && e.Guard == "other");
        await AssertFilterAsync(log, stored, new BlockedQueryFilter { RequestId = "req-1" }, e => e.RequestId == "req-1");
        await AssertFilterAsync(log, stored, new BlockedQueryFilter { RequestId = "REQ-1" }, _ => false);
        await AssertFilterAsync(log, stored, new BlockedQueryFilter { RequestId = "req-%" }, _ => false);
    }

    [Fact]
    public async Task Page_size_and_continuation_tokens_are_checked()
    {
        await using var log = await NewLogAsync();

        await Assert.ThrowsAsync<ArgumentOutOfRangeException>(() => log.QueryAsync(new BlockedQueryFilter { PageSize = 0 }).AsTask());
        await Assert.ThrowsAsync<ArgumentOutOfRangeException>(() => log.QueryAsync(new BlockedQueryFilter { PageSize = 1001 }).AsTask());
        await Assert.ThrowsAsync<ArgumentException>(() => log.QueryAsync(new BlockedQueryFilter { ContinuationToken = "not-a-token" }).AsTask());
        var page = await log.QueryAsync(new BlockedQueryFilter { PageSize = 1000 });
        Assert.Empty(page.Items);
        Assert.Null(page.ContinuationToken);
    }

    [Fact]
    public async Task Retention_deletes_rows_older_than_the_maximum_age()
    {
        var clock = new ManualTimeProvider(Entries.BaseTime.AddDays(10));
        await using var log = await NewLogAsync(new BlockedQueryLogOptions { TimeProvider = clock });
        for (var day = 0; day <= 10; day++)
        {
            await log.AppendAsync(Entries.Sample(day, Entries.BaseTime.AddDays(day)));
        }

        var deleted = await log.ApplyRetentionAsync(TimeSpan.FromDays(5) + TimeSpan.FromHours(1));

        Assert.Equal(5, deleted);
        var left = await log.ReadAllAsync(new BlockedQueryFilter()).ToListAsync();
        Assert.Equal(Enumerable.Range(5, 6).Select(d => Entries.BaseTime.AddDays(d)), left.Select(r => r.TimeUtc));
        Assert.Equal(0, await log.ApplyRetentionAsync(TimeSpan.FromDays(6)));
    }

    [Fact]
    public async Task Retention_keeps_only_the_newest_rows_beyond_the_row_limit()
    {
        await using var log = await NewLogAsync();
        var entries = Enumerable.Range(0, 50).Select(i => Entries.Sample(i, Entries.BaseTime.AddSeconds(i / 2))).ToArray();
        var ids = new List<long>();
        foreach (var entry in entries)
        {
            ids.Add(await log.AppendAsync(entry));
        }

        var deleted = await log.ApplyRetentionAsync(TimeSpan.FromDays(100_000), maxRows: 21);

        Assert.Equal(29, deleted);
        var left = await log.ReadAllAsync(new BlockedQueryFilter()).ToListAsync();
        Assert.Equal(ids.Skip(29), left.Select(r => r.Id));
        Assert.Equal(21, (await log.ApplyRetentionAsync(TimeSpan.FromDays(100_000), maxRows: 0)));
        Assert.Empty(await log.ReadAllAsync(new BlockedQueryFilter()).ToListAsync());
    }

    [Fact]
    public async Task Concurrent_writers_all_commit_with_unique_ids()
    {
        await using var log = await NewLogAsync();

        var perWriter = await Task.WhenAll(Enumerable.Range(0, 16).Select(w => Task.Run(async () =>
        {
            var ids = new List<long>();
            for (var i = 0; i < 200; i++)
            {
                ids.Add(await log.AppendAsync(Entries.Sample(w * 200 + i)));
            }

            return ids;
        })));

        var all = perWriter.SelectMany(ids => ids).ToArray();
        Assert.Equal(3200, all.Length);
        Assert.Equal(3200, all.Distinct().Count());
        var stored = await log.ReadAllAsync(new BlockedQueryFilter { PageSize = 1000 }).ToListAsync();
        Assert.Equal(all.Order(), stored.Select(r => r.Id).Order());
    }

    [Fact]
    public async Task Disposing_commits_everything_already_queued_and_a_reopened_log_reads_it()
    {
        var open = await NewDatabaseAsync();
        var log = open(null);
        var appends = Enumerable.Range(0, 300).Select(i => log.AppendAsync(Entries.Sample(i)).AsTask()).ToArray();
        await log.DisposeAsync();

        var ids = await Task.WhenAll(appends);
        await Assert.ThrowsAsync<ObjectDisposedException>(() => log.AppendAsync(Entries.Sample(1)).AsTask());
        await using var reopened = open(null);
        await reopened.InitializeAsync();
        var stored = await reopened.ReadAllAsync(new BlockedQueryFilter { PageSize = 1000 }).ToListAsync();
        Assert.Equal(ids.Order(), stored.Select(r => r.Id).Order());
    }

    [Fact]
    public async Task Malformed_entries_are_rejected_and_oversized_fields_truncated()
    {
        await using var log = await NewLogAsync(new BlockedQueryLogOptions { MaxSnapshotBytes = 1024 });
        var good = Entries.Sample(1);

        await Assert.ThrowsAsync<ArgumentNullException>(() => log.AppendAsync(null!).AsTask());
        await Assert.ThrowsAsync<ArgumentException>(() => log.AppendAsync(good with { RequestId = null! }).AsTask());
        await Assert.ThrowsAsync<ArgumentException>(() => log.AppendAsync(good with { ClientId = "" }).AsTask());
        await Assert.ThrowsAsync<ArgumentException>(() => log.AppendAsync(good with { Model = null! }).AsTask());
        await Assert.ThrowsAsync<ArgumentException>(() => log.AppendAsync(good with { Guard = "" }).AsTask());
        await Assert.ThrowsAsync<ArgumentException>(() => log.AppendAsync(good with { InputHash = "abc" }).AsTask());
        await Assert.ThrowsAsync<ArgumentException>(() => log.AppendAsync(good with { InputHash = new string('g', 64) }).AsTask());
        await Assert.ThrowsAsync<ArgumentException>(() => log.AppendAsync(good with { Score = double.NaN }).AsTask());
        await Assert.ThrowsAsync<ArgumentException>(() => log.AppendAsync(good with { Threshold = double.PositiveInfinity }).AsTask());
        await Assert.ThrowsAsync<ArgumentException>(() => log.AppendAsync(good with { Action = (BlockAction)42 }).AsTask());

        var random = new Random(7);
        var noise = new byte[8192];
        random.NextBytes(noise);
        var id = await log.AppendAsync(good with
        {
            ClientId = new string('c', 10_000),
            ModelVersion = null!,
            RequestId = new string('r', 255) + "😀",
            MatchedQueryIds = [.. Enumerable.Range(0, 150).Select(i => $"m{i}"), null!, ""],
            InputHash = good.InputHash.ToUpperInvariant(),
            Snapshot = new TensorSnapshot("UINT8", [8192], SnapshotEncoding.Brotli, noise.Length, noise),
        });

        var read = await log.GetAsync(id);
        Assert.NotNull(read);
        Assert.Equal(new string('c', BlockedQueryNormalizer.MaxTextLength), read.ClientId);
        Assert.Equal(new string('r', 255), read.RequestId);
        Assert.Equal("", read.ModelVersion);
        Assert.Equal(Enumerable.Range(0, 100).Select(i => $"m{i}"), read.MatchedQueryIds);
        Assert.Equal(good.InputHash, read.InputHash);
        Assert.Null(read.Snapshot);
        Assert.Single(await log.ReadAllAsync(new BlockedQueryFilter()).ToListAsync());
    }

    private static IEnumerable<long> Expected(IEnumerable<BlockedQuery> stored, Func<BlockedQuery, bool> match) =>
        stored.Where(match).OrderBy(e => e.TimeUtc).ThenBy(e => e.Id).Select(e => e.Id);

    private static async Task AssertFilterAsync(IBlockedQueryLog log, BlockedQuery[] stored, BlockedQueryFilter filter, Func<BlockedQuery, bool> match)
    {
        var read = await log.ReadAllAsync(filter with { PageSize = 37 }).ToListAsync();
        Assert.Equal(Expected(stored, match), read.Select(r => r.Id));
    }
}
