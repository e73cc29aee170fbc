using System.CommandLine;
using System.Globalization;
using Guard.AuditLog;
using Guard.Gateway.Configuration;
using Guard.Gateway.Detections;
using Guard.Gateway.Hosting;

namespace Guard.Gateway.Cli;

/// <summary>
/// <c>guard log list|show|export</c>: reads the blocked-query log the configuration names (SQLite file or PostgreSQL),
/// with the same filters the admin API offers. Reading only: safe beside a running Guard.
/// </summary>
internal static class LogCommand
{
    public static Command Create(Option<string> config)
    {
        var from = new Option<DateTimeOffset?>("--from") { Description = "Only rows at or after this time (ISO 8601)." };
        var to = new Option<DateTimeOffset?>("--to") { Description = "Only rows before this time (ISO 8601)." };
        var client = new Option<string?>("--client") { Description = "Only this client id, e.g. key:alice." };
        var model = new Option<string?>("--model") { Description = "Only this model." };
        var guard = new Option<string?>("--guard") { Description = "Only this stage, e.g. fingerprint or knn." };
        var action = new Option<string?>("--action") { Description = "Only this action: reject, silentReject, delay, ban or flag." };
        Option[] filters = [config, from, to, client, model, guard, action];

        BlockedQueryFilter Filter(ParseResult parse) => new()
        {
            FromUtc = parse.GetValue(from),
            ToUtc = parse.GetValue(to),
            ClientId = parse.GetValue(client),
            Model = parse.GetValue(model),
            Guard = parse.GetValue(guard),
            Action = parse.GetValue(action) is { } name ? BlockActionNames.Parse(name) : null,
            PageSize = BlockedQueryFilter.MaxPageSize,
        };

        var limit = new Option<int>("--limit") { Description = "Most rows to list.", DefaultValueFactory = _ => 50 };
        var list = new Command("list", "List blocked and flagged queries, oldest first.") { limit };
        Add(list, filters);
        list.SetAction((parse, cancel) => RunAsync(parse, config, async log =>
        {
            Console.WriteLine($"{"id",8}  {"time (UTC)",-24}  {"client",-20}  {"model",-18}  {"guard",-12}  {"score",8}  {"threshold",9}  {"action",-12}  matched");
            var shown = 0;
            await foreach (var row in log.ReadAllAsync(Filter(parse) with { PageSize = Math.Clamp(parse.GetValue(limit), 1, BlockedQueryFilter.MaxPageSize) }, cancel))
            {
                Console.WriteLine(string.Create(CultureInfo.InvariantCulture,
                    $"{row.Id,8}  {row.TimeUtc.UtcDateTime,-24:yyyy-MM-ddTHH:mm:ss.fff}  {row.ClientId,-20}  {row.Model,-18}  {row.Guard,-12}  {row.Score,8:0.###}  {row.Threshold,9:0.###}  {BlockActionNames.ToName(row.Action),-12}  {string.Join(' ', row.MatchedQueryIds)}"));
                if (++shown >= parse.GetValue(limit))
                {
                    break;
                }
            }

            Console.Error.WriteLine($"{shown} rows");
        }, cancel));

        var id = new Argument<long>("id") { Description = "The row id (from list)." };
        var show = new Command("show", "Show one row in full, as JSON (snapshot bytes as base64).") { config, id };
        show.SetAction((parse, cancel) => RunAsync(parse, config, async log =>
        {
            var row = await log.GetAsync(parse.GetValue(id), cancel) ?? throw new ArgumentException($"There is no row {parse.GetValue(id)}.");
            using var stdout = Console.OpenStandardOutput();
            await BlockedQueryExport.WriteJsonAsync(One(row), stdout, cancel);
            Console.WriteLine();
        }, cancel));

        var format = new Option<string>("--format") { Description = "json or csv.", DefaultValueFactory = _ => "json" };
        format.AcceptOnlyFromAmong("json", "csv");
        var output = new Option<string?>("--output", "-o") { Description = "File to write (default: standard output)." };
        var export = new Command("export", "Export every matching row as JSON or CSV.") { format, output };
        Add(export, filters);
        export.SetAction((parse, cancel) => RunAsync(parse, config, async log =>
        {
            var path = parse.GetValue(output);
            await using var stream = path is null ? Console.OpenStandardOutput() : File.Create(path);
            var rows = log.ReadAllAsync(Filter(parse), cancel);
            if (parse.GetValue(format) == "csv")
            {
                await BlockedQueryExport.WriteCsvAsync(rows, stream, cancel);
            }
            else
            {
                await BlockedQueryExport.WriteJsonAsync(rows, stream, cancel);
            }
        }, cancel));

        return new Command("log", "Review the blocked-query log.") { list, show, export };
    }

    private static void Add(Command command, IEnumerable<Option> options)
    {
        foreach (var option in options)
        {
            command.Options.Add(option);
        }
    }

    private static async IAsyncEnumerable<BlockedQuery> One(BlockedQuery row)
    {
        await Task.CompletedTask;
        yield return row;
    }

    /// <summary>Opens the configured log, runs <paramref name="body"/>; bad configuration or arguments exit 2 with a message.</summary>
    private static async Task<int> RunAsync(ParseResult parse, Option<string> config, Func<IBlockedQueryLog, Task> body, CancellationToken cancellationToken)
    {
        try
        {
            var options = GuardHost.LoadAndValidate(new GuardHostSettings(parse.GetValue(config)!));
            await using var log = BlockedQueryLogHost.Open(options.BlockedQueryLog);
            await body(log);
            return 0;
        }
        catch (InvalidConfigurationException ex)
        {
            await Console.Error.WriteLineAsync(ex.Message);
            return 2;
        }
        catch (Exception ex) when (ex is ArgumentException or FormatException)
        {
            await Console.Error.WriteLineAsync(ex.Message);
            return 2;
        }
        catch (Exception ex) when (ex is not OperationCanceledException || !cancellationToken.IsCancellationRequested)
        {
            await Console.Error.WriteLineAsync($"Could not read the blocked-query log: {ex.Message}");
            return 1;
        }
    }
}
