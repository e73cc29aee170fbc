using Guard.AuditLog.Storage;
using Guard.AuditLog.Tests.Support;

namespace Guard.AuditLog.Tests;

/// <summary>What the admin audit trail must do on every backend. Derived classes supply a fresh database per test.</summary>
public abstract class AdminAuditLogBehaviourTests
{
    private protected abstract Task<AuditDatabase> NewDatabaseAsync();

    [Fact]
    public async Task Append_returns_the_stored_entry_and_list_is_newest_first_with_every_field()
    {
        await using var log = (await NewDatabaseAsync()).Open();
        var tricky = new AdminAuditEntry
        {
            TimeUtc = new DateTimeOffset(2026, 5, 6, 7, 8, 9, TimeSpan.FromHours(2)).AddTicks(1_234_560),
            User = "o'brien \"admin\" Ω",
            Role = "admin",
            Action = AdminAuditActions.PolicySet,
            Target = "default'; DROP TABLE admin_audit; --",
            Detail = """{"changes":[{"path":"smoothing.minRadius","from":"0","to":"0.25"}]}""",
            Reason = "tighten after\nincident 😀",
            Outcome = AdminAuditOutcomes.Ok,
        };

        var appended = new List<AdminAuditEntry>();
        for (var i = 0; i < 4; i++)
        {
            appended.Add(await log.AdminAudit.AppendAsync(AdminEntries.Sample(i)));
        }

        var stored = await log.AdminAudit.AppendAsync(tricky);
        appended.Add(stored);

        Assert.Equal(appended.Select(e => e.Id).Order(), appended.Select(e => e.Id));
        Assert.Equal(appended.Count, appended.Select(e => e.Id).Distinct().Count());
        Assert.Equal(tricky with { Id = stored.Id, TimeUtc = tricky.TimeUtc.ToUniversalTime() }, stored);
        var listed = await log.AdminAudit.ListAsync(10);
        Assert.Equal(appended.AsEnumerable().Reverse(), listed);
        Assert.Equal(TimeSpan.Zero, listed[0].TimeUtc.Offset);
    }

    [Fact]
    public async Task Paging_with_before_id_visits_every_entry_once_newest_first()
    {
        await using var log = (await NewDatabaseAsync()).Open();
        var ids = new List<long>();
        for (var i = 0; i < 25; i++)
        {
            ids.Add((await log.AdminAudit.AppendAsync(AdminEntries.Sample(i))).Id);
        }

        var seen = new List<long>();
        var sizes = new List<int>();
        long? before = null;
        while (true)
        {
            var page = await log.AdminAudit.ListAsync(7, before);
            if (page.Count == 0)
            {
                break;
            }

            sizes.Add(page.Count);
            seen.AddRange(page.Select(e => e.Id));
            before = page[^1].Id;
        }

        Assert.Equal([7, 7, 7, 4], sizes);
        Assert.Equal(ids.AsEnumerable().Reverse(), seen);
        Assert.Equal(ids.Take(3).Reverse(), (await log.AdminAudit.ListAsync(1000, ids[3])).Select(e => e.Id));
    }

    [Fact]
    public async Task User_and_action_filters_match_exactly_and_combine_with_paging()
    {
        await using var log = (await NewDatabaseAsync()).Open();
        var all = new List<AdminAuditEntry>();
        for (var i = 0; i < 30; i++)
        {
            all.Add(await log.AdminAudit.AppendAsync(AdminEntries.Sample(i)));
        }

        all.Add(await log.AdminAudit.AppendAsync(new AdminAuditEntry
        {
            TimeUtc = Entries.BaseTime,
            User = "",
            Role = "",
            Action = AdminAuditActions.LoginFailed,
            Outcome = AdminAuditOutcomes.Denied,
        }));
        var newestFirst = all.AsEnumerable().Reverse().ToArray();

        Assert.Equal(newestFirst.Where(e => e.User == "bob").Select(e => e.Id),
            (await log.AdminAudit.ListAsync(1000, user: "bob")).Select(e => e.Id));
        Assert.Equal(newestFirst.Where(e => e.Action == AdminAuditActions.Ban).Select(e => e.Id),
            (await log.AdminAudit.ListAsync(1000, action: AdminAuditActions.Ban)).Select(e => e.Id));
        var both = newestFirst.Where(e => e.User == "alice" && e.Action == AdminAuditActions.PolicySet).ToArray();
        Assert.NotEmpty(both);
        Assert.Equal(both.Select(e => e.Id), (await log.AdminAudit.ListAsync(1000, null, "alice", AdminAuditActions.PolicySet)).Select(e => e.Id));
        Assert.Equal(both.Skip(1).Take(1).Select(e => e.Id),
            (await log.AdminAudit.ListAsync(1, both[0].Id, "alice", AdminAuditActions.PolicySet)).Select(e => e.Id));
        Assert.Equal([all[^1].Id], (await log.AdminAudit.ListAsync(1000, user: "")).Select(e => e.Id));
        Assert.Empty(await log.AdminAudit.ListAsync(1000, user: "ALICE"));
        Assert.Empty(await log.AdminAudit.ListAsync(1000, action: "policy"));
    }

    [Fact]
    public async Task Limits_and_malformed_entries_are_rejected_and_long_text_is_truncated()
    {
        await using var log = (await NewDatabaseAsync()).Open();
        var good = AdminEntries.Sample(1);

        await Assert.ThrowsAsync<ArgumentOutOfRangeException>(() => log.AdminAudit.ListAsync(0).AsTask());
        await Assert.ThrowsAsync<ArgumentOutOfRangeException>(() => log.AdminAudit.ListAsync(IAdminAuditLog.MaxListLimit + 1).AsTask());
        await Assert.ThrowsAsync<ArgumentNullException>(() => log.AdminAudit.AppendAsync(null!).AsTask());
        await Assert.ThrowsAsync<ArgumentException>(() => log.AdminAudit.AppendAsync(good with { Action = "" }).AsTask());
        await Assert.ThrowsAsync<ArgumentException>(() => log.AdminAudit.AppendAsync(good with { Action = null! }).AsTask());
        await Assert.ThrowsAsync<ArgumentException>(() => log.AdminAudit.AppendAsync(good with { Outcome = "maybe" }).AsTask());
        await Assert.ThrowsAsync<ArgumentException>(() => log.AdminAudit.AppendAsync(good with { Outcome = null! }).AsTask());

        var stored = await log.AdminAudit.AppendAsync(good with
        {
            Id = 999,
            User = new string('u', 300),
            Role = null!,
            Target = null!,
            Detail = new string('d', AdminAuditNormalizer.MaxDetailLength + 5_000),
            Reason = new string('r', AdminAuditNormalizer.MaxReasonLength - 1) + "😀",
        });

        Assert.NotEqual(999, stored.Id);
        var read = Assert.Single(await log.AdminAudit.ListAsync(10));
        Assert.Equal(stored, read);
        Assert.Equal(new string('u', AdminAuditNormalizer.MaxTextLength), read.User);
        Assert.Equal("", read.Role);
        Assert.Equal("", read.Target);
        Assert.Equal(new string('d', AdminAuditNormalizer.MaxDetailLength), read.Detail);
        Assert.Equal(new string('r', AdminAuditNormalizer.MaxReasonLength - 1), read.Reason);
    }

    [Fact]
    public async Task Entries_persist_across_reopen_and_survive_blocked_query_retention()
    {
        var database = await NewDatabaseAsync();
        long id;
        await using (var log = database.Open())
        {
            id = (await log.AdminAudit.AppendAsync(AdminEntries.Sample(3))).Id;
            await log.AppendAsync(Entries.Sample(1));
        }

        await using var reopened = database.Open();
        Assert.Equal(1, await reopened.ApplyRetentionAsync(TimeSpan.Zero, maxRows: 0));
        var read = Assert.Single(await reopened.AdminAudit.ListAsync(10));
        Assert.Equal(AdminEntries.Sample(3) with { Id = id }, read);
    }

    [Fact]
    public async Task Appends_interleaved_with_group_committed_blocked_queries_all_commit()
    {
        await using var log = (await NewDatabaseAsync()).Open();

        var blocked = Task.WhenAll(Enumerable.Range(0, 400).Select(i => log.AppendAsync(Entries.Sample(i)).AsTask()));
        var audited = await Task.WhenAll(Enumerable.Range(0, 40).Select(i => Task.Run(() => log.AdminAudit.AppendAsync(AdminEntries.Sample(i)).AsTask())));
        await blocked;

        Assert.Equal(audited.Select(e => e.Id).Order(), (await log.AdminAudit.ListAsync(1000)).Select(e => e.Id).Order());
    }

    [Fact]
    public async Task A_disposed_log_refuses_the_trail_too()
    {
        var log = (await NewDatabaseAsync()).Open();
        await log.AdminAudit.AppendAsync(AdminEntries.Sample(0));
        await log.DisposeAsync();

        await Assert.ThrowsAsync<ObjectDisposedException>(() => log.AdminAudit.AppendAsync(AdminEntries.Sample(1)).AsTask());
        await Assert.ThrowsAsync<ObjectDisposedException>(() => log.AdminAudit.ListAsync(10).AsTask());
    }

    [Fact]
    public async Task A_version_1_database_is_upgraded_in_place_keeping_its_rows()
    {
        var database = await NewDatabaseAsync();
        var old = Entries.Sample(7) with { RequestId = "req-before-upgrade" };
        var dialect = database.NewDialect();
        try
        {
            await new SchemaMigrator(dialect, TimeProvider.System, targetVersion: 1).MigrateAsync(CancellationToken.None);
            await using var connection = await dialect.OpenAsync(CancellationToken.None);
            Assert.Equal([1], await VersionsAsync(connection));
            Assert.False(await TableExistsAsync(connection, "admin_audit"));
            await using var insert = connection.CreateCommand();
            insert.CommandText = BlockedQueryRows.InsertSql;
            BlockedQueryRows.Bind(insert, BlockedQueryNormalizer.Normalize(old, TensorSnapshotCodec.DefaultMaxCompressedBytes));
            await insert.ExecuteScalarAsync();
        }
        finally
        {
            await DisposeAsync(dialect);
        }

        await using (var log = database.Open())
        {
            await log.InitializeAsync();
            var rows = await log.QueryAsync(new BlockedQueryFilter { RequestId = "req-before-upgrade" });
            Assert.Equal(old.InputHash, Assert.Single(rows.Items).InputHash);
            var entry = await log.AdminAudit.AppendAsync(AdminEntries.Sample(1));
            Assert.Equal([entry], await log.AdminAudit.ListAsync(10));
        }

        dialect = database.NewDialect();
        try
        {
            await using var connection = await dialect.OpenAsync(CancellationToken.None);
            Assert.Equal(Enumerable.Range(1, SchemaMigrator.CurrentVersion), await VersionsAsync(connection));
            Assert.True(await TableExistsAsync(connection, "admin_audit"));
        }
        finally
        {
            await DisposeAsync(dialect);
        }
    }

    private static async Task<List<int>> VersionsAsync(System.Data.Common.DbConnection connection)
    {
        await using var command = connection.CreateCommand();
        command.CommandText = "SELECT version FROM guard_audit_schema ORDER BY version";
        var versions = new List<int>();
        await using var reader = await command.ExecuteReaderAsync();
        while (await reader.ReadAsync())
        {
            versions.Add(Convert.ToInt32(reader.GetValue(0), System.Globalization.CultureInfo.InvariantCulture));
        }

        return versions;
    }

    /// <summary>Probes with a query rather than a catalogue lookup, so that one check works on both databases.</summary>
    private static async Task<bool> TableExistsAsync(System.Data.Common.DbConnection connection, string table)
    {
        await using var command = connection.CreateCommand();
        command.CommandText = $"SELECT COUNT(*) FROM {table}";
        try
        {
            await command.ExecuteScalarAsync();
            return true;
        }
        catch (System.Data.Common.DbException)
        {
            return false;
        }
    }

    private static ValueTask DisposeAsync(SqlDialect dialect) =>
        dialect is IAsyncDisposable disposable ? disposable.DisposeAsync() : ValueTask.CompletedTask;
}
