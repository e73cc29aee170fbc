using System.CommandLine;
using Guard.Admin.Api;
using Guard.Admin.Protocol;

namespace Guard.Gateway.Cli;

/// <summary>
/// <c>guard logs</c> and <c>guard bans list|add|remove</c>: the blocked-query table and the ban actions of the console,
/// through a running Guard's gRPC admin service (<c>guard log</c> reads a log database directly instead).
/// </summary>
internal static class LogsCommand
{
    public static Command CreateLogs()
    {
        var admin = AdminClient.AddressOption();
        var tokenFile = AdminClient.TokenFileOption();
        var from = new Option<string?>("--from") { Description = "Only queries at or after this time (ISO 8601)." };
        var to = new Option<string?>("--to") { Description = "Only queries before this time (ISO 8601)." };
        var client = new Option<string?>("--client") { Description = "Only this client id." };
        var model = new Option<string?>("--model") { Description = "Only this model." };
        var guard = new Option<string?>("--guard") { Description = "Only this stage (knn, fingerprint, squeezing, detector, smoothing)." };
        var action = new Option<string?>("--action") { Description = "Only this action (reject, silentReject, delay, ban, flag)." };
        var limit = new Option<int>("--limit") { Description = "Most queries to list.", DefaultValueFactory = _ => 50 };
        var command = new Command("logs", "Blocked and flagged queries from a running Guard, oldest first.") { admin, tokenFile, from, to, client, model, guard, action, limit };
        command.SetAction((parse, cancel) => PolicyCommand.RunAsync(parse, admin, tokenFile, async adminClient =>
        {
            var request = new ListBlockedQueriesRequest
            {
                FromUtc = parse.GetValue(from) ?? "", ToUtc = parse.GetValue(to) ?? "", Client = parse.GetValue(client) ?? "",
                Model = parse.GetValue(model) ?? "", Guard = parse.GetValue(guard) ?? "", Action = parse.GetValue(action) ?? "",
                PageSize = Math.Clamp(parse.GetValue(limit), 1, 1000),
            };
            var shown = 0;
            Console.WriteLine($"{"id",8}  {"time (UTC)",-28}  {"client",-20}  {"model",-18}  {"guard",-10}  {"score",9}  {"threshold",9}  action");
            while (shown < parse.GetValue(limit))
            {
                var page = await adminClient.CallAsync(AdminMethods.ListBlockedQueries, request, cancel);
                foreach (var q in page.Items.Take(parse.GetValue(limit) - shown))
                {
                    Console.WriteLine($"{q.Id,8}  {q.TimeUtc,-28}  {q.Client,-20}  {q.Model,-18}  {q.Guard,-10}  {q.Score,9:0.####}  {q.Threshold,9:0.####}  {q.Action}");
                    shown++;
                }

                if (page.NextCursor.Length == 0 || page.Items.Count == 0)
                {
                    break;
                }

                request.Cursor = page.NextCursor;
            }

            Console.Error.WriteLine($"{shown} queries");
        }));
        return command;
    }

    public static Command CreateBans()
    {
        var admin = AdminClient.AddressOption();
        var tokenFile = AdminClient.TokenFileOption();
        var clientId = new Argument<string>("client") { Description = "The client id (as the blocked-query log shows it)." };
        var command = new Command("bans", "List, add or lift client bans on a running Guard (shared by every replica).");

        var list = new Command("list", "Current bans.") { admin, tokenFile };
        list.SetAction((parse, cancel) => PolicyCommand.RunAsync(parse, admin, tokenFile, async client =>
        {
            foreach (var ban in (await client.CallAsync(AdminMethods.ListBans, new ListBansRequest(), cancel)).Bans)
            {
                Console.WriteLine($"{ban.Client}  until {ban.ExpiresUtc}  {ban.Reason}");
            }
        }));

        var duration = new Option<TimeSpan>("--for") { Description = "How long (e.g. 01:00:00).", DefaultValueFactory = _ => TimeSpan.FromHours(1) };
        var reason = new Option<string>("--reason") { Description = "Why (goes into the audit trail).", Required = true };
        var add = new Command("add", "Ban a client.") { admin, tokenFile, clientId, duration, reason };
        add.SetAction((parse, cancel) => PolicyCommand.RunAsync(parse, admin, tokenFile, async client =>
        {
            await client.CallAsync(AdminMethods.BanClient, new BanClientRequest
            {
                Client = parse.GetValue(clientId)!, DurationSeconds = (long)parse.GetValue(duration).TotalSeconds, Reason = parse.GetValue(reason)!,
            }, cancel);
            Console.WriteLine($"banned {parse.GetValue(clientId)} for {parse.GetValue(duration)}");
        }));

        var remove = new Command("remove", "Lift a client's ban.") { admin, tokenFile, clientId };
        remove.SetAction((parse, cancel) => PolicyCommand.RunAsync(parse, admin, tokenFile, async client =>
        {
            var response = await client.CallAsync(AdminMethods.UnbanClient, new UnbanClientRequest { Client = parse.GetValue(clientId)! }, cancel);
            Console.WriteLine(response.WasBanned ? $"unbanned {parse.GetValue(clientId)}" : $"{parse.GetValue(clientId)} was not banned");
        }));

        command.Subcommands.Add(list);
        command.Subcommands.Add(add);
        command.Subcommands.Add(remove);
        return command;
    }
}
