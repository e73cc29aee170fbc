using System.CommandLine;
using System.Globalization;
using System.Text.Json;
using System.Text.Json.Nodes;
using Guard.Admin.Api;
using Guard.Admin.Protocol;
using Guard.Rpc;

namespace Guard.Gateway.Cli;

/// <summary>
/// <c>guard policy list|get|set|history|rollback</c>: the console's policy actions from a shell, through a running
/// Guard's gRPC admin service (so changes are versioned, audited and reach every replica exactly as console changes do).
/// </summary>
internal static class PolicyCommand
{
    private static readonly JsonSerializerOptions Indented = new() { WriteIndented = true };

    public static Command Create()
    {
        var admin = AdminClient.AddressOption();
        var tokenFile = AdminClient.TokenFileOption();
        var name = new Argument<string>("name") { Description = "A policy name, or a model name (its policy)." };
        var command = new Command("policy", "Read and change policies on a running Guard (versioned, audited, applied on every replica).");

        var list = new Command("list", "The policies in force and the models that use them.") { admin, tokenFile };
        list.SetAction((parse, cancel) => RunAsync(parse, admin, tokenFile, async client =>
        {
            var response = await client.CallAsync(AdminMethods.ListPolicies, new ListPoliciesRequest(), cancel);
            Console.WriteLine($"version {response.Version}");
            foreach (var policy in response.PoliciesJson.Keys.Order(StringComparer.Ordinal))
            {
                var models = response.ModelPolicies.Where(m => m.Value == policy).Select(m => m.Key).Order(StringComparer.Ordinal);
                Console.WriteLine($"{policy}: {string.Join(", ", models)}");
            }
        }));

        var get = new Command("get", "Print a policy as JSON.") { admin, tokenFile, name };
        get.SetAction((parse, cancel) => RunAsync(parse, admin, tokenFile, async client =>
        {
            var response = await client.CallAsync(AdminMethods.GetPolicy, new GetPolicyRequest { Name = parse.GetValue(name)! }, cancel);
            Console.Error.WriteLine($"policy {response.Name} (version {response.Version}, from {response.Source}; models: {string.Join(", ", response.Models)})");
            Console.WriteLine(response.PolicyJson);
        }));

        var file = new Option<string?>("--file") { Description = "The whole policy as JSON (as `guard policy get` prints it)." };
        var assignments = new Option<string[]>("--set") { Description = "Change one key: --set smoothing.minRadius=0.5 (repeatable; values are JSON, else text).", AllowMultipleArgumentsPerToken = false };
        var reason = new Option<string>("--reason") { Description = "Why (goes into the audit trail).", Required = true };
        var baseVersion = new Option<long>("--base-version") { Description = "Refuse the change when the policies are no longer at this version." };
        var set = new Command("set", "Change a policy: a whole JSON file, or keys of the one in force.") { admin, tokenFile, name, file, assignments, reason, baseVersion };
        set.SetAction((parse, cancel) => RunAsync(parse, admin, tokenFile, async client =>
        {
            var target = parse.GetValue(name)!;
            var current = await client.CallAsync(AdminMethods.GetPolicy, new GetPolicyRequest { Name = target }, cancel);
            var policy = parse.GetValue(file) is { } path
                ? JsonNode.Parse(await File.ReadAllTextAsync(path, cancel)) as JsonObject ?? throw new ArgumentException($"{path} does not hold a JSON object.")
                : JsonNode.Parse(current.PolicyJson)!.AsObject();
            foreach (var assignment in parse.GetValue(assignments) ?? [])
            {
                Assign(policy, assignment);
            }

            var response = await client.CallAsync(AdminMethods.SetPolicy, new SetPolicyRequest
            {
                Name = current.Name,
                PolicyJson = policy.ToJsonString(),
                Reason = parse.GetValue(reason)!,
                BaseVersion = parse.GetValue(baseVersion) is > 0 and var v ? v : current.Version,
            }, cancel);
            Console.WriteLine($"version {response.Version}");
            foreach (var change in response.Changes)
            {
                Console.WriteLine($"  {change.Path}: {Show(change.From)} -> {Show(change.To)}");
            }
        }));

        var limit = new Option<int>("--limit") { Description = "Most versions to list.", DefaultValueFactory = _ => 20 };
        var history = new Command("history", "Policy versions, newest first: who, when, why, what changed.") { admin, tokenFile, limit };
        history.SetAction((parse, cancel) => RunAsync(parse, admin, tokenFile, async client =>
        {
            var response = await client.CallAsync(AdminMethods.GetPolicyHistory, new GetPolicyHistoryRequest { Limit = parse.GetValue(limit) }, cancel);
            foreach (var v in response.Versions)
            {
                var rolledBack = v.Action == "rollback" ? $" to version {v.RolledBackTo}" : "";
                Console.WriteLine($"{v.Version}  {v.TimeUtc}  {v.User} ({v.Role})  {v.Action}{rolledBack}  {v.Policy}  \"{v.Reason}\"");
                foreach (var change in v.Changes)
                {
                    Console.WriteLine($"    {change.Path}: {Show(change.From)} -> {Show(change.To)}");
                }
            }
        }));

        var version = new Argument<long>("version") { Description = "The version to return to (0: the configuration file alone)." };
        var rollback = new Command("rollback", "Make a new version with the policies of an earlier one.") { admin, tokenFile, version, reason };
        rollback.SetAction((parse, cancel) => RunAsync(parse, admin, tokenFile, async client =>
        {
            var response = await client.CallAsync(AdminMethods.RollbackPolicy, new RollbackPolicyRequest { Version = parse.GetValue(version), Reason = parse.GetValue(reason)! }, cancel);
            Console.WriteLine($"version {response.Version}");
        }));

        command.Subcommands.Add(list);
        command.Subcommands.Add(get);
        command.Subcommands.Add(set);
        command.Subcommands.Add(history);
        command.Subcommands.Add(rollback);
        return command;
    }

    /// <summary>Sets <c>a.b.c=value</c> in <paramref name="policy"/>, creating objects on the way.</summary>
    internal static void Assign(JsonObject policy, string assignment)
    {
        var equals = assignment.IndexOf('=', StringComparison.Ordinal);
        if (equals <= 0)
        {
            throw new ArgumentException($"--set '{assignment}' is not key=value.");
        }

        var path = assignment[..equals].Split('.');
        var text = assignment[(equals + 1)..];
        JsonNode? value;
        try
        {
            value = JsonNode.Parse(text);
        }
        catch (JsonException)
        {
            value = JsonValue.Create(text);
        }

        var node = policy;
        foreach (var key in path[..^1])
        {
            if (node[key] is not JsonObject child)
            {
                node[key] = child = new JsonObject();
            }

            node = child;
        }

        node[path[^1]] = value;
    }

    private static string Show(string value) => value.Length == 0 ? "(unset)" : value;

    internal static async Task<int> RunAsync(ParseResult parse, Option<string> admin, Option<string?> tokenFile, Func<AdminClient, Task> action)
    {
        try
        {
            using var client = AdminClient.Create(parse, admin, tokenFile);
            await action(client);
            return 0;
        }
        catch (RpcException ex)
        {
            await Console.Error.WriteLineAsync($"{ex.StatusCode}: {ex.Status.Message}");
            return ex.StatusCode is StatusCode.InvalidArgument or StatusCode.Aborted or StatusCode.NotFound ? 2 : 1;
        }
        catch (Exception ex) when (ex is ArgumentException or IOException or JsonException or HttpRequestException)
        {
            await Console.Error.WriteLineAsync(ex.Message);
            return 2;
        }
    }
}
