using System.Globalization;
using Guard.Admin.Imaging;
using Guard.Admin.Security;
using Guard.AuditLog;

namespace Guard.Admin.Operations;

/// <summary>The filter fields of the blocked-query table, as the API receives them (text).</summary>
public sealed record BlockedQueryCriteria(string? From, string? To, string? Client, string? Model, string? Guard, string? Action, int? PageSize, string? Cursor);

/// <summary>Reviewing blocked queries: the filtered table, one query in detail with its picture, and export.</summary>
public sealed class BlockedQueryOperations(IBlockedQueryLog log, BanOperations bans, AdminAudit audit)
{
    private const int MaxMatchedLookups = 20;

    public async Task<BlockedPageView> ListAsync(BlockedQueryCriteria criteria, CancellationToken cancellationToken)
    {
        var filter = Filter(criteria);
        BlockedQueryPage page;
        try
        {
            page = await log.QueryAsync(filter, cancellationToken);
        }
        catch (ArgumentException ex)
        {
            // A continuation token that does not belong to these criteria, or was tampered with.
            throw new AdminException(AdminErrorKind.Invalid, ex.Message, [$"cursor: {ex.Message}"]);
        }

        return new BlockedPageView(page.Items.Select(Summary).ToList(), page.ContinuationToken);
    }

    public async Task<BlockedDetail> DetailAsync(long id, CancellationToken cancellationToken)
    {
        var row = await log.GetAsync(id, cancellationToken) ?? throw new AdminException(AdminErrorKind.NotFound, $"There is no blocked query {id}.");
        var matched = new List<BlockedSummary>();
        foreach (var requestId in row.MatchedQueryIds.Take(MaxMatchedLookups))
        {
            var page = await log.QueryAsync(new BlockedQueryFilter { RequestId = requestId, PageSize = 5 }, cancellationToken);
            matched.AddRange(page.Items.Where(m => m.Id != row.Id).Select(Summary));
        }

        var snapshot = row.Snapshot is { } s ? new SnapshotView(s.Datatype, s.Shape, SnapshotImage.IsImage(s)) : null;
        BanView? ban = null;
        try
        {
            ban = await bans.GetAsync(row.ClientId, cancellationToken);
        }
        catch (AdminException)
        {
            // The detail is still worth showing when the state store is down; the ban status is then unknown.
        }

        return new BlockedDetail(row.Id, row.TimeUtc, row.RequestId, row.ClientId, row.Model, row.ModelVersion, row.Guard, row.Score, row.Threshold,
            BlockActionNames.ToName(row.Action), row.Snapshot is not null, row.InputHash, row.MatchedQueryIds, matched, snapshot, ban);
    }

    /// <summary>The query's input as a PNG picture, or null when it is not an image (or was not kept).</summary>
    public async Task<byte[]?> ImageAsync(long id, int index, int scale, CancellationToken cancellationToken)
    {
        var row = await log.GetAsync(id, cancellationToken) ?? throw new AdminException(AdminErrorKind.NotFound, $"There is no blocked query {id}.");
        try
        {
            return row.Snapshot is { } snapshot ? SnapshotImage.RenderPng(snapshot, Math.Max(0, index), Math.Clamp(scale, 1, SnapshotImage.MaxScale)) : null;
        }
        catch (InvalidDataException ex)
        {
            throw new AdminException(AdminErrorKind.Invalid, $"The logged input of blocked query {id} is damaged: {ex.Message}");
        }
    }

    public async Task ExportAsync(AdminPrincipal principal, BlockedQueryCriteria criteria, string format, Stream output, CancellationToken cancellationToken)
    {
        var filter = Filter(criteria with { Cursor = null }) with { PageSize = BlockedQueryFilter.MaxPageSize };
        await audit.RecordAsync(principal, AdminAuditActions.Export, format, Describe(criteria), null, AdminAuditOutcomes.Ok, cancellationToken);
        var rows = log.ReadAllAsync(filter, cancellationToken);
        await (format == "csv" ? BlockedQueryExport.WriteCsvAsync(rows, output, cancellationToken) : BlockedQueryExport.WriteJsonAsync(rows, output, cancellationToken));
    }

    public static BlockedQueryFilter Filter(BlockedQueryCriteria criteria)
    {
        var problems = new List<string>();
        var filter = new BlockedQueryFilter
        {
            FromUtc = Time(criteria.From, "from", problems),
            ToUtc = Time(criteria.To, "to", problems),
            ClientId = Blank(criteria.Client),
            Model = Blank(criteria.Model),
            Guard = Blank(criteria.Guard),
            PageSize = criteria.PageSize ?? 50,
            ContinuationToken = Blank(criteria.Cursor),
        };
        if (Blank(criteria.Action) is { } action)
        {
            try
            {
                filter = filter with { Action = BlockActionNames.Parse(action) };
            }
            catch (FormatException)
            {
                problems.Add("action: one of reject, silentReject, delay, ban, flag");
            }
        }

        if (filter.PageSize is < 1 or > BlockedQueryFilter.MaxPageSize)
        {
            problems.Add($"pageSize: between 1 and {BlockedQueryFilter.MaxPageSize}");
        }

        if (filter.FromUtc is { } f && filter.ToUtc is { } t && t <= f)
        {
            problems.Add("to: must be after from");
        }

        return problems.Count > 0 ? throw new AdminException(AdminErrorKind.Invalid, "The filter is not valid.", problems) : filter;
    }

    private static BlockedSummary Summary(BlockedQuery q) =>
        new(q.Id, q.TimeUtc, q.RequestId, q.ClientId, q.Model, q.ModelVersion, q.Guard, q.Score, q.Threshold, BlockActionNames.ToName(q.Action), q.Snapshot is not null);

    private static DateTimeOffset? Time(string? text, string name, List<string> problems)
    {
        if (Blank(text) is not { } value)
        {
            return null;
        }

        if (DateTimeOffset.TryParse(value, CultureInfo.InvariantCulture, DateTimeStyles.AssumeUniversal | DateTimeStyles.AdjustToUniversal, out var time))
        {
            return time;
        }

        problems.Add($"{name}: an ISO 8601 time, e.g. 2026-11-22T10:00:00Z");
        return null;
    }

    private static string? Blank(string? text) => string.IsNullOrWhiteSpace(text) ? null : text.Trim();

    private static string Describe(BlockedQueryCriteria c) =>
        string.Join(", ", new[] { ("from", c.From), ("to", c.To), ("client", c.Client), ("model", c.Model), ("guard", c.Guard), ("action", c.Action) }
            .Where(p => !string.IsNullOrWhiteSpace(p.Item2)).Select(p => $"{p.Item1}={p.Item2}"));
}
