using System.Collections.Concurrent;
using System.Text.Json;
using Guard.RedTeam.Attacks;
using Guard.RedTeam.Data;
using Guard.RedTeam.Reporting;
using Guard.RedTeam.Running;
using Guard.RedTeam.Targets;
using Guard.RedTeam.Tests.Support;
using Guard.TestSupport;

namespace Guard.RedTeam.Tests.Running;

/// <summary>The harness: baseline and guarded runs on the same images and seeds, one client per run, the summaries and the report.</summary>
[Collection(DemoModelTests.Name)]
public sealed class RedTeamRunnerTests(DemoModel model)
{
    private static readonly ImageSet EvalSet = new(DemoSet.Pixels, DemoSet.Labels, ImageShape.FashionMnist);

    [Fact]
    public async Task Guarded_runs_stop_at_detection_and_are_summarised()
    {
        var options = new RedTeamOptions { Attacks = ["square", "hsj"], Runs = 4, Budget = 300, Seed = 5, Concurrency = 2 };
        var keysSeen = new ConcurrentDictionary<string, int>();
        var baseline = new EndpointClients("baseline", new ClientPool(_ => model.Target(), []));

        // The guard: each client is refused from its 6th query on (a per-client detector).
        var guarded = new EndpointClients("guarded", new ClientPool(key => Counting(key!, keysSeen), Keys(10)));
        var reports = await new RedTeamRunner(options, EvalSet, new PlainProgress(_ => { })).RunAsync(baseline, guarded, CancellationToken.None);

        Assert.Equal(["square", "hsj"], reports.Select(r => r.Attack));
        var square = reports[0];
        Assert.Equal("Linf <= 0.1", square.ThreatModel);
        Assert.Equal(4, square.Baseline!.Runs);
        Assert.Equal(0, square.Baseline.Detected);
        Assert.Equal(square.Baseline.Successes, square.Baseline.Details.Count(d => d.SuccessQuery is not null));

        var hsj = reports[1].Guarded;
        Assert.Equal(4, hsj.Runs);
        Assert.Equal(1.0, hsj.DetectionRate);
        Assert.Equal(6, hsj.MedianQueriesToDetection);
        Assert.Equal(6, hsj.P90QueriesToDetection);
        Assert.All(hsj.Details, d => Assert.Equal(6, d.Queries));
        Assert.Equal(4, hsj.RefusalCodes["PermissionDenied"]);

        // Eight runs, eight clients, each used by one run only; numbered by the attack's place in the catalogue.
        Assert.Equal(8, keysSeen.Count(k => k.Value > 0));
        Assert.Equal([4, 5, 6, 7], reports[0].Guarded.Details.Select(d => d.Client));
        Assert.Equal([0, 1, 2, 3], reports[1].Guarded.Details.Select(d => d.Client));

        // Run i attacks the same image with the same seed on both endpoints.
        Assert.Equal(square.Baseline.Details.Select(d => (d.Image, d.Seed)), square.Guarded.Details.Select(d => (d.Image, d.Seed)));
        Assert.Equal(4, square.Guarded.Details.Select(d => d.Image).Distinct().Count());
    }

    [Fact]
    public async Task The_same_seed_gives_the_same_report_whatever_the_concurrency()
    {
        async Task<IReadOnlyList<RunReport>> RunAsync(int concurrency)
        {
            var options = new RedTeamOptions { Attacks = ["simba"], Runs = 3, Budget = 200, Seed = 9, Concurrency = concurrency };
            var clients = new EndpointClients("model", new ClientPool(_ => model.Target(), []));
            var reports = await new RedTeamRunner(options, EvalSet, new PlainProgress(_ => { })).RunAsync(null, clients, CancellationToken.None);
            return reports[0].Guarded.Details;
        }

        var one = await RunAsync(1);
        var three = await RunAsync(3);
        Assert.Equal(one, three);
    }

    [Fact]
    public async Task Misclassified_images_are_skipped_for_the_next_one()
    {
        var options = new RedTeamOptions { Attacks = ["square"], Runs = 30, Budget = 2, Seed = 1 };
        var clients = new EndpointClients("model", new ClientPool(_ => model.Target(), []));
        var reports = await new RedTeamRunner(options, EvalSet, new PlainProgress(_ => { })).RunAsync(null, clients, CancellationToken.None);
        var details = reports[0].Guarded.Details;
        Assert.Equal(30, details.Count);
        Assert.All(details, d => Assert.Equal(model.Predict(DemoSet.Image(d.Image!.Value)), d.Label));
        Assert.Equal(30, details.Select(d => d.Image).Distinct().Count());
    }

    [Fact]
    public async Task The_report_has_its_documented_shape_and_no_keys()
    {
        var options = new RedTeamOptions { Attacks = ["nes"], Runs = 2, Budget = 120, Seed = 2 };
        var keys = Keys(2);
        var guarded = new EndpointClients("http://guard:8001 fashion_cnn", new ClientPool(_ => new ScriptedTarget(model.Target(), refuseFrom: 50), keys));
        var baseline = new EndpointClients("http://triton:8001 fashion_cnn", new ClientPool(_ => model.Target(), []));
        var attacks = await new RedTeamRunner(options, EvalSet, new PlainProgress(_ => { })).RunAsync(baseline, guarded, CancellationToken.None);
        var report = new RedTeamReport
        {
            StartedAt = DateTimeOffset.UnixEpoch,
            FinishedAt = DateTimeOffset.UnixEpoch.AddMinutes(1),
            Settings = new ReportSettings
            {
                Endpoint = "http://guard:8001/", Model = "fashion_cnn", BaselineEndpoint = "http://triton:8001/", BaselineModel = "fashion_cnn",
                Attacks = options.Attacks, Runs = 2, Budget = 120, Seed = 2, Concurrency = 2, LInfEpsilon = 0.1, L2Epsilon = 2,
                StopAtFirstDetection = true, ApiKeys = keys.Length, EvalSet = "models/eval/fashion_eval_1000.bin",
            },
            Attacks = attacks,
            Benign = new BenignReport("models/eval/fashion_eval_1000.bin", 100, 3, 0.03, new Dictionary<string, int> { ["PermissionDenied"] = 3 }),
        };

        var json = ReportJson.Serialize(report);
        Assert.DoesNotContain(keys[0], json, StringComparison.Ordinal);
        using var document = JsonDocument.Parse(json);
        var root = document.RootElement;
        Assert.Equal("guard redteam", root.GetProperty("tool").GetString());
        Assert.Equal(120, root.GetProperty("settings").GetProperty("budget").GetInt32());
        var nes = root.GetProperty("attacks")[0];
        Assert.Equal("nes", nes.GetProperty("attack").GetString());
        foreach (var mode in new[] { "baseline", "guarded" })
        {
            var summary = nes.GetProperty(mode);
            foreach (var property in new[] { "runs", "successRate", "medianQueriesToSuccess", "detectionRate", "medianQueriesToDetection", "p90QueriesToDetection", "successBeforeDetectionRate", "refusalCodes" })
            {
                Assert.True(summary.TryGetProperty(property, out _), $"{mode}.{property} is missing");
            }

            var run = summary.GetProperty("details")[0];
            foreach (var property in new[] { "run", "image", "label", "client", "seed", "outcome", "queries", "successQuery", "firstRefusal", "firstRefusalCode", "l2", "lInf" })
            {
                Assert.True(run.TryGetProperty(property, out _), $"{mode}.details[0].{property} is missing");
            }
        }

        Assert.Equal(0.03, root.GetProperty("benign").GetProperty("falsePositiveRate").GetDouble());
    }

    [Fact]
    public void Bad_options_are_all_listed()
    {
        var errors = new RedTeamOptions { Attacks = ["hsj", "fgsm", "hsj"], Runs = 0, Budget = 1, Concurrency = 0, Threat = new ThreatModel(2, -1) }.Validate();
        Assert.Equal(7, errors.Count);
        Assert.Contains(errors, e => e.Contains("fgsm", StringComparison.Ordinal));
        Assert.Throws<ArgumentException>(() => new RedTeamRunner(new RedTeamOptions { Runs = 0 }, EvalSet, new PlainProgress(_ => { })));
        Assert.Empty(new RedTeamOptions().Validate());
    }

    [Fact]
    public void Percentiles_interpolate_between_ranks()
    {
        Assert.Null(Percentiles.Median([]));
        Assert.Equal(5, Percentiles.Median([5]));
        Assert.Equal(2.5, Percentiles.Median([4, 1, 3, 2]));
        Assert.Equal(9.1, Percentiles.Of(Enumerable.Range(0, 11).Select(i => i == 10 ? 10 : i), 0.91)!.Value, 6);
        Assert.Equal(91, Percentiles.Of(Enumerable.Range(1, 101), 0.9));
    }

    [Fact]
    public void Clients_rotate_over_the_keys()
    {
        var pool = new ClientPool(key => new KeyedTarget(key), ["a", "b", "c"]);
        Assert.Equal(["a", "b", "c", "a", "b"], Enumerable.Range(0, 5).Select(i => ((KeyedTarget)pool.ForRun(i)).Key));
        Assert.Equal(1, new ClientPool(key => new KeyedTarget(key), []).Count);
    }

    private static string[] Keys(int count) => Enumerable.Range(0, count).Select(i => $"key-{i:D3}-secret").ToArray();

    private ScriptedTarget Counting(string key, ConcurrentDictionary<string, int> seen)
    {
        seen.TryAdd(key, 0);
        return new ScriptedTarget(new ModelFunctionTarget((image, token) => { seen.AddOrUpdate(key, 1, (_, n) => n + 1); return model.Target().QueryAsync(image, token); }), refuseFrom: 6);
    }

    private sealed class KeyedTarget(string? key) : IBlackBoxTarget
    {
        public string? Key => key;

        public ValueTask<QueryResult> QueryAsync(ReadOnlyMemory<float> image, CancellationToken cancellationToken) => throw new NotSupportedException();
    }
}
