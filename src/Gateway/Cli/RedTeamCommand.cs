using System.CommandLine;
using System.CommandLine.Invocation;
using Guard.RedTeam.Attacks;
using Guard.RedTeam.Running;
using Spectre.Console;

namespace Guard.Gateway.Cli;

/// <summary>
/// <c>guard redteam</c>: runs black-box attacks (and a benign replay) against a KServe v2 endpoint — typically Guard,
/// optionally compared with the unguarded model — and reports success, detection and false-positive rates.
/// </summary>
internal static class RedTeamCommand
{
    public static Command Create()
    {
        var endpoint = new Option<string>("--endpoint") { Description = "The guarded KServe v2 gRPC endpoint, e.g. http://127.0.0.1:8001.", Required = true };
        var model = new Option<string>("--model") { Description = "The model to attack.", Required = true };
        var modelVersion = new Option<string?>("--model-version") { Description = "The model version (default: the server's choice)." };
        var baselineEndpoint = new Option<string?>("--baseline-endpoint") { Description = "The same model unguarded, for the baseline columns." };
        var baselineModel = new Option<string?>("--baseline-model") { Description = "The baseline's model name (default: --model)." };
        var baselineKey = new Option<string?>("--baseline-api-key") { Description = "API key for the baseline endpoint, if it wants one." };
        var attacks = new Option<string>("--attacks")
        {
            Description = $"Comma-separated attacks: {string.Join(",", AttackCatalog.Names)}.",
            DefaultValueFactory = _ => string.Join(",", AttackCatalog.Names),
        };
        var runs = new Option<int>("--runs") { Description = "Runs per attack, each on its own image and client.", DefaultValueFactory = _ => 20 };
        var budget = new Option<int>("--budget") { Description = "Query budget per run.", DefaultValueFactory = _ => 2000 };
        var seed = new Option<int>("--seed") { Description = "Seed: the same seed gives the same images, noise and queries.", DefaultValueFactory = _ => 0 };
        var concurrency = new Option<int>("--concurrency") { Description = "Runs in flight at once.", DefaultValueFactory = _ => 2 };
        var linf = new Option<double>("--linf-epsilon") { Description = "L∞ radius of square, simba and nes.", DefaultValueFactory = _ => 0.1 };
        var l2 = new Option<double>("--l2-epsilon") { Description = "L2 radius that counts as success for hsj and boundary.", DefaultValueFactory = _ => 2.0 };
        var keysFile = new Option<string?>("--api-keys-file") { Description = "Attackers' API keys, one per line: run i uses key i mod count." };
        var benignKey = new Option<string?>("--benign-key") { Description = "API key of the benign client (keep it apart from the attackers')." };
        var evalSet = new Option<string>("--eval-set")
        {
            Description = "Images to attack: a GFEV file or IDX images (labels beside them).",
            DefaultValueFactory = _ => RedTeamSettings.DefaultEvalSet,
        };
        var benignSet = new Option<string?>("--benign-set") { Description = "Images the benign client replays (default: --eval-set), GFEV or IDX (.gz)." };
        var benignLimit = new Option<int>("--benign-limit") { Description = "Benign queries; 0 skips the replay.", DefaultValueFactory = _ => 1000 };
        var keepGoing = new Option<bool>("--continue-after-detection") { Description = "Guarded runs go on after a refusal instead of stopping there." };
        var report = new Option<string?>("--report") { Description = "Write the JSON report here." };

        var command = new Command("redteam", "Attack a KServe v2 endpoint with black-box attacks (HopSkipJump, Square, SimBA, Boundary, NES) and report how a guard fares.")
        {
            endpoint, model, modelVersion, baselineEndpoint, baselineModel, baselineKey, attacks, runs, budget, seed, concurrency,
            linf, l2, keysFile, benignKey, evalSet, benignSet, benignLimit, keepGoing, report,
        };
        command.Action = new RedTeamAction(async (parse, cancellationToken) =>
        {
            var errors = new List<string>();
            var guarded = ParseAddress(parse.GetValue(endpoint), "--endpoint", errors);
            var baseline = parse.GetValue(baselineEndpoint) is { } b ? ParseAddress(b, "--baseline-endpoint", errors) : null;
            IReadOnlyList<string> keys = [];
            if (parse.GetValue(keysFile) is { } path)
            {
                try
                {
                    keys = await ApiKeyFile.ReadAsync(path, cancellationToken);
                    if (keys.Count == 0)
                    {
                        errors.Add($"--api-keys-file '{path}' holds no keys.");
                    }
                }
                catch (Exception ex) when (ex is IOException or UnauthorizedAccessException)
                {
                    errors.Add($"--api-keys-file: {ex.Message}");
                }
            }

            var runOptions = new RedTeamOptions
            {
                Attacks = parse.GetValue(attacks)!.Split(',', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries),
                Runs = parse.GetValue(runs),
                Budget = parse.GetValue(budget),
                Seed = parse.GetValue(seed),
                Concurrency = parse.GetValue(concurrency),
                StopAtFirstDetection = !parse.GetValue(keepGoing),
                Threat = new ThreatModel(parse.GetValue(linf), parse.GetValue(l2)),
            };
            if (errors.Count > 0 || guarded is null)
            {
                return Fail(errors.Concat(runOptions.Validate()));
            }

            var settings = new RedTeamSettings
            {
                Endpoint = guarded,
                Model = parse.GetValue(model)!,
                ModelVersion = parse.GetValue(modelVersion),
                BaselineEndpoint = baseline,
                BaselineModel = parse.GetValue(baselineModel),
                BaselineApiKey = parse.GetValue(baselineKey),
                ApiKeys = keys,
                BenignApiKey = parse.GetValue(benignKey),
                EvalSet = parse.GetValue(evalSet)!,
                BenignSet = parse.GetValue(benignSet),
                BenignLimit = parse.GetValue(benignLimit),
                ReportPath = parse.GetValue(report),
                Run = runOptions,
            };

            // A live display only on a terminal; CI logs and pipes get plain lines.
            var live = !Console.IsOutputRedirected && AnsiConsole.Profile.Capabilities.Interactive;
            return await new RedTeamSession(live ? AnsiConsole.Console : PlainConsole(), Console.Error, live).RunAsync(settings, cancellationToken);
        });
        return command;
    }

    /// <summary>For logs and pipes: no colour codes, and wide enough that the table's headers do not wrap.</summary>
    private static IAnsiConsole PlainConsole()
    {
        var console = AnsiConsole.Create(new AnsiConsoleSettings
        {
            Ansi = AnsiSupport.No,
            ColorSystem = ColorSystemSupport.NoColors,
            Interactive = InteractionSupport.No,
            Out = new AnsiConsoleOutput(Console.Out),
        });
        console.Profile.Width = 160;
        return console;
    }

    private static Uri? ParseAddress(string? value, string option, List<string> errors)
    {
        if (Uri.TryCreate(value, UriKind.Absolute, out var uri) && (uri.Scheme == Uri.UriSchemeHttp || uri.Scheme == Uri.UriSchemeHttps))
        {
            return uri;
        }

        errors.Add($"{option} must be an http:// (h2c) or https:// address such as http://127.0.0.1:8001, not '{value}'.");
        return null;
    }

    private static int Fail(IEnumerable<string> errors)
    {
        foreach (var error in errors)
        {
            Console.Error.WriteLine($"error: {error}");
        }

        return RedTeamSession.BadArguments;
    }

    /// <summary>
    /// The command's action, taking over parse errors (a missing --model, --runs abc) so that every bad argument
    /// ends with exit code 2, as semantic ones do, rather than System.CommandLine's 1.
    /// </summary>
    private sealed class RedTeamAction(Func<ParseResult, CancellationToken, Task<int>> run) : AsynchronousCommandLineAction
    {
        public override bool ClearsParseErrors => true;

        public override Task<int> InvokeAsync(ParseResult parseResult, CancellationToken cancellationToken = default) =>
            parseResult.Errors.Count > 0 ? Task.FromResult(Fail(parseResult.Errors.Select(e => e.Message))) : run(parseResult, cancellationToken);
    }
}
