using Guard.RedTeam.Attacks;
using Guard.RedTeam.Data;
using Guard.RedTeam.Reporting;

namespace Guard.RedTeam.Running;

/// <summary>
/// Runs each selected attack R times — on R different evaluation images the model gets right, run i as client
/// i — first against the baseline endpoint with the full budget (when given), then against the guarded endpoint,
/// stopping each guarded run at its first refusal unless told otherwise. Run i of an attack uses the same image
/// and seed on both endpoints, so the two columns compare like with like; runs are deterministic given the seed
/// whatever the concurrency.
/// </summary>
public sealed class RedTeamRunner
{
    /// <summary>Images a run tries before giving up when the model gets them wrong.</summary>
    private const int ImageTries = 10;

    private readonly RedTeamOptions _options;
    private readonly ImageSet _images;
    private readonly IRunProgress _progress;
    private readonly int[] _imageOrder;

    public RedTeamRunner(RedTeamOptions options, ImageSet images, IRunProgress progress)
    {
        ArgumentNullException.ThrowIfNull(options);
        ArgumentNullException.ThrowIfNull(images);
        ArgumentNullException.ThrowIfNull(progress);
        var errors = options.Validate();
        if (errors.Count > 0)
        {
            throw new ArgumentException(string.Join(" ", errors), nameof(options));
        }

        if (!images.HasLabels)
        {
            throw new ArgumentException("The evaluation set needs labels to attack.", nameof(images));
        }

        _options = options;
        _images = images;
        _progress = progress;
        _imageOrder = Enumerable.Range(0, images.Count).ToArray();
        new Random(options.Seed).Shuffle(_imageOrder);
    }

    public async Task<IReadOnlyList<AttackReport>> RunAsync(EndpointClients? baseline, EndpointClients guarded, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(guarded);
        var reports = new List<AttackReport>();
        foreach (var name in _options.Attacks)
        {
            var attack = AttackCatalog.Create(name, _options.Threat);
            var stream = AttackStream(name);
            ModeReport? baselineReport = null;
            if (baseline is not null)
            {
                var runs = await RunModeAsync(attack, stream, "baseline", baseline.Clients, stopAtFirstDetection: false, cancellationToken);
                baselineReport = ModeReport.Summarise(baseline.Name, runs);
                _progress.Finish(Phase(name, "baseline"), $"success {baselineReport.SuccessRate:P0}, median {Format(baselineReport.MedianQueriesToSuccess)} queries");
            }

            var guardedRuns = await RunModeAsync(attack, stream, "guarded", guarded.Clients, _options.StopAtFirstDetection, cancellationToken);
            var guardedReport = ModeReport.Summarise(guarded.Name, guardedRuns);
            _progress.Finish(
                Phase(name, "guarded"),
                $"detected {guardedReport.DetectionRate:P0} (median query {Format(guardedReport.MedianQueriesToDetection)}), success before detection {guardedReport.SuccessBeforeDetectionRate:P0}");
            reports.Add(new AttackReport(name, attack.Constraint.ToString(), _options.Budget, baselineReport, guardedReport));
        }

        return reports;
    }

    private static int AttackStream(string name)
    {
        // Seeds follow the attack's place in the catalogue, not in --attacks: a subset reproduces the full run's runs.
        var index = AttackCatalog.Names.ToList().IndexOf(name);
        return index + 1;
    }

    private static string Phase(string attack, string mode) => $"{attack} {mode}";

    private static string Format(double? value) => value is { } v ? v.ToString("0.#", System.Globalization.CultureInfo.InvariantCulture) : "-";

    private async Task<IReadOnlyList<RunReport>> RunModeAsync(
        BlackBoxAttack attack, int stream, string mode, ClientPool clients, bool stopAtFirstDetection, CancellationToken cancellationToken)
    {
        var phase = Phase(attack.Name, mode);
        _progress.Start(phase, _options.Runs);
        var runs = new RunReport[_options.Runs];
        var parallel = new ParallelOptions { MaxDegreeOfParallelism = _options.Concurrency, CancellationToken = cancellationToken };
        await Parallel.ForEachAsync(Enumerable.Range(0, _options.Runs), parallel, async (run, token) =>
        {
            runs[run] = await RunOneAsync(attack, stream, run, clients, stopAtFirstDetection, token);
            _progress.Advance(phase, Describe(runs[run]));
        });
        return runs;
    }

    private async Task<RunReport> RunOneAsync(
        BlackBoxAttack attack, int stream, int run, ClientPool clients, bool stopAtFirstDetection, CancellationToken cancellationToken)
    {
        // Clients are numbered across attacks, so that no two runs of the invocation share one while keys last.
        var clientRun = ((stream - 1) * _options.Runs) + run;
        var client = clients.ClientIndex(clientRun);
        var seed = Seeds.Derive(_options.Seed, stream, run);
        for (var attempt = 0; attempt < ImageTries; attempt++)
        {
            // Run r of attack a tries images aR + r, (A + a)R + r, … of the shuffled order (A attacks in the catalogue):
            // fixed per run whatever runs in parallel, and no two attacks share an image, so a global index that
            // remembers one attack's clean image cannot flag the next attack at its first query.
            var image = _imageOrder[((attempt * _options.Runs * AttackCatalog.Names.Count) + clientRun) % _imageOrder.Length];
            var input = new AttackInput(_images.Image(image), _images.Label(image), _images.Shape);
            var options = new AttackRunOptions(_options.Budget, seed, stopAtFirstDetection, StopAtSuccess: !stopAtFirstDetection);
            var result = await attack.RunAsync(clients.ForRun(clientRun), input, options, cancellationToken);
            if (result.Outcome != AttackOutcome.OriginalMisclassified)
            {
                return RunReport.From(run, image, input.Label, client, seed, result);
            }
        }

        return new RunReport { Run = run, Client = client, Seed = seed, Outcome = "NoCorrectlyClassifiedImage" };
    }

    private string Describe(RunReport run)
    {
        var success = run.SuccessQuery is { } s ? $"succeeded at query {s}" : "no success";
        var detection = run.FirstRefusal is { } r ? $", refused at query {r} ({run.FirstRefusalCode})" : "";
        return $"run {run.Run + 1}/{_options.Runs}: image {run.Image?.ToString(System.Globalization.CultureInfo.InvariantCulture) ?? "-"}, {success}{detection}, {run.Queries} queries";
    }
}
