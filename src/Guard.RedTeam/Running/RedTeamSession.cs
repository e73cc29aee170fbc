using Guard.RedTeam.Benign;
using Guard.RedTeam.Data;
using Guard.RedTeam.Reporting;
using Guard.RedTeam.Targets;
using Spectre.Console;

namespace Guard.RedTeam.Running;

/// <summary>
/// One <c>guard redteam</c> invocation end to end: checks the settings, loads the images, connects to the
/// endpoints, runs the attacks and the benign replay under a progress display, prints the table and writes the
/// JSON report. Errors go to <paramref name="errorOutput"/>. Returns the process exit code: 0 done, 2 bad arguments or inputs, 3 an endpoint that cannot be used.
/// </summary>
public sealed class RedTeamSession(IAnsiConsole console, TextWriter errorOutput, bool live)
{
    public const int Completed = 0;
    public const int BadArguments = 2;
    public const int EndpointUnusable = 3;

    public async Task<int> RunAsync(RedTeamSettings settings, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(settings);
        var errors = settings.Validate();
        if (errors.Count > 0)
        {
            foreach (var error in errors)
            {
                errorOutput.WriteLine($"error: {error}");
            }

            return BadArguments;
        }

        ImageSet evalSet, benignSet;
        try
        {
            evalSet = await ImageSetReader.ReadAsync(settings.EvalSet, cancellationToken);
            benignSet = settings.BenignSet is null || settings.BenignLimit == 0 ? evalSet : await ImageSetReader.ReadAsync(settings.BenignSet, cancellationToken);
        }
        catch (Exception ex) when (ex is InvalidDataException or IOException or UnauthorizedAccessException)
        {
            errorOutput.WriteLine($"error: {ex.Message}");
            return BadArguments;
        }

        if (!evalSet.HasLabels)
        {
            errorOutput.WriteLine($"error: the evaluation set '{settings.EvalSet}' has no labels (for IDX images, put the labels file beside it).");
            return BadArguments;
        }

        var endpoints = new List<KServeEndpoint>();
        try
        {
            var guarded = await ConnectAsync(new KServeEndpointOptions(settings.Endpoint, settings.Model, settings.ModelVersion), settings.BenignApiKey ?? (settings.ApiKeys.Count > 0 ? settings.ApiKeys[0] : null), endpoints, cancellationToken);
            var baseline = settings.BaselineEndpoint is { } baselineAddress
                ? await ConnectAsync(new KServeEndpointOptions(baselineAddress, settings.BaselineModel ?? settings.Model, settings.ModelVersion), settings.BaselineApiKey, endpoints, cancellationToken)
                : null;
            foreach (var endpoint in endpoints.Where(e => e.Spec.ElementCount != evalSet.Shape.Length))
            {
                errorOutput.WriteLine($"error: model '{endpoint.Options.Model}' at {endpoint.Options.Address} takes {endpoint.Spec.ElementCount} values per image; the evaluation set's images have {evalSet.Shape.Length}.");
                return BadArguments;
            }

            return await RunAsync(settings, evalSet, benignSet, guarded, baseline, cancellationToken);
        }
        catch (TargetUnavailableException ex)
        {
            errorOutput.WriteLine($"error: {ex.Message}");
            return EndpointUnusable;
        }
        finally
        {
            foreach (var endpoint in endpoints)
            {
                endpoint.Dispose();
            }
        }
    }

    private static async Task<KServeEndpoint> ConnectAsync(KServeEndpointOptions options, string? apiKey, List<KServeEndpoint> opened, CancellationToken cancellationToken)
    {
        var endpoint = await KServeEndpoint.ConnectAsync(options, apiKey, cancellationToken);
        opened.Add(endpoint);
        return endpoint;
    }

    private static string Name(KServeEndpoint endpoint) => $"{endpoint.Options.Address} {endpoint.Options.Model}";

    private async Task<int> RunAsync(
        RedTeamSettings settings, ImageSet evalSet, ImageSet benignSet, KServeEndpoint guarded, KServeEndpoint? baseline, CancellationToken cancellationToken)
    {
        var started = DateTimeOffset.UtcNow;
        var guardedClients = new EndpointClients(Name(guarded), new ClientPool(k => guarded.ForClient(k), settings.ApiKeys));
        var baselineKeys = settings.BaselineApiKey is null ? Array.Empty<string>() : [settings.BaselineApiKey];
        var baselineClients = baseline is null ? null : new EndpointClients(Name(baseline), new ClientPool(k => baseline.ForClient(k), baselineKeys));

        async Task<(IReadOnlyList<AttackReport>, BenignReport?)> Work(IRunProgress progress)
        {
            // Benign traffic first: its false-positive rate is measured on what a deployment normally holds (benign
            // history only), not on state the attacks just left behind.
            BenignReport? benign = null;
            if (settings.BenignLimit > 0)
            {
                const string phase = "benign replay";
                var count = Math.Min(settings.BenignLimit, benignSet.Count);
                progress.Start(phase, count);
                var result = await new BenignReplay(new BenignAugmentationOptions())
                    .RunAsync(guarded.ForClient(settings.BenignApiKey), benignSet, count, settings.Run.Seed, _ => progress.Advance(phase, null), cancellationToken);
                benign = new BenignReport(settings.BenignSet ?? settings.EvalSet, result.Queries, result.Refused, result.FalsePositiveRate, result.RefusalCodes);
                progress.Finish(phase, $"{result.Refused}/{result.Queries} refused (false-positive rate {result.FalsePositiveRate:P1})");
            }

            var attacks = await new RedTeamRunner(settings.Run, evalSet, progress).RunAsync(baselineClients, guardedClients, cancellationToken);
            return (attacks, benign);
        }

        var (attackReports, benignReport) = live
            ? await LiveProgress.RunAsync(console, Work)
            : await Work(new PlainProgress(line => console.WriteLine(line)));

        var report = new RedTeamReport
        {
            StartedAt = started,
            FinishedAt = DateTimeOffset.UtcNow,
            Settings = new ReportSettings
            {
                Endpoint = settings.Endpoint.ToString(),
                Model = settings.Model,
                BaselineEndpoint = settings.BaselineEndpoint?.ToString(),
                BaselineModel = settings.BaselineEndpoint is null ? null : settings.BaselineModel ?? settings.Model,
                Attacks = settings.Run.Attacks,
                Runs = settings.Run.Runs,
                Budget = settings.Run.Budget,
                Seed = settings.Run.Seed,
                Concurrency = settings.Run.Concurrency,
                LInfEpsilon = settings.Run.Threat.LInfEpsilon,
                L2Epsilon = settings.Run.Threat.L2Epsilon,
                StopAtFirstDetection = settings.Run.StopAtFirstDetection,
                ApiKeys = settings.ApiKeys.Count,
                EvalSet = settings.EvalSet,
            },
            Attacks = attackReports,
            Benign = benignReport,
            Warnings = RunWarnings.For(settings, attackReports, benignReport),
        };

        console.Write(ReportTable.Build(report));
        foreach (var warning in report.Warnings)
        {
            console.WriteLine($"warning: {warning}");
        }

        if (settings.ReportPath is { } path)
        {
            await ReportJson.WriteAsync(path, report, cancellationToken);
            console.WriteLine($"Report written to {path}");
        }

        return Completed;
    }
}
