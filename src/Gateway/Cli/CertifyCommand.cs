using System.CommandLine;
using System.Diagnostics;
using System.Globalization;
using Guard.Gateway.Embedded;
using Guard.Gateway.Metrics;
using Guard.Gateway.Models;
using Guard.Gateway.Smoothing;
using Guard.Guards.Smoothing;
using Guard.ModelHost.Configuration;
using Guard.OnnxRuntime;
using Guard.RedTeam.Data;
using Microsoft.Extensions.Logging.Abstractions;

namespace Guard.Gateway.Cli;

/// <summary>
/// <c>guard certify</c>: randomized-smoothing certification of a dataset (CERTIFY of Cohen et al., fixed n by default,
/// or adaptive) on a noise-trained model of the repository, on this machine's ONNX Runtime. Writes
/// <c>OUT.csv</c>, <c>OUT.curve.json</c> and <c>OUT.svg</c>.
/// </summary>
internal static class CertifyCommand
{
    public static Command Create()
    {
        var model = new Option<string>("--model") { Description = "The noise-trained model in the repository, e.g. fashion_cnn_s025.", Required = true };
        var repository = new Option<string>("--repository") { Description = "The model repository.", DefaultValueFactory = _ => "models" };
        var set = new Option<string>("--set") { Description = "The images (GFEV or IDX, labelled).", DefaultValueFactory = _ => "models/eval/fashion_eval_1000.bin" };
        var limit = new Option<int>("--limit") { Description = "Certify only the first N images (0: all).", DefaultValueFactory = _ => 0 };
        var sigma = new Option<double>("--sigma") { Description = "Noise σ (the model's training σ).", Required = true };
        var n = new Option<int>("--n") { Description = "Estimation samples.", DefaultValueFactory = _ => 10_000 };
        var n0 = new Option<int>("--n0") { Description = "Selection samples.", DefaultValueFactory = _ => 100 };
        var alpha = new Option<double>("--alpha") { Description = "Failure probability.", DefaultValueFactory = _ => 0.001 };
        var batch = new Option<int>("--batch") { Description = "Noisy samples per model call.", DefaultValueFactory = _ => 1_000 };
        var adaptive = new Option<bool>("--adaptive") { Description = "Adaptive sampling towards --min-radius instead of the paper's fixed n." };
        var minRadius = new Option<double>("--min-radius") { Description = "r_min for adaptive sampling.", DefaultValueFactory = _ => 0 };
        var seed = new Option<long>("--seed") { Description = "Noise seed (image i uses seed + i).", DefaultValueFactory = _ => 0 };
        var output = new Option<string?>("--out") { Description = "Output path without extension (default: bench/results/certify-MODEL)." };
        var command = new Command("certify", "Certify a dataset with randomized smoothing: CSV, certified-accuracy curve (JSON and SVG).")
        {
            model, repository, set, limit, sigma, n, n0, alpha, batch, adaptive, minRadius, seed, output,
        };
        command.SetAction(async (parse, cancellationToken) =>
        {
            var options = new SmoothingOptions
            {
                Sigma = parse.GetValue(sigma),
                N = parse.GetValue(n),
                N0 = parse.GetValue(n0),
                Alpha = parse.GetValue(alpha),
                BatchSize = parse.GetValue(batch),
                Adaptive = parse.GetValue(adaptive),
                MinRadius = parse.GetValue(minRadius),
            };
            try
            {
                options.Validate();
                var images = await ImageSetReader.ReadAsync(parse.GetValue(set)!, cancellationToken);
                if (!images.HasLabels)
                {
                    throw new ArgumentException("The image set has no labels to certify against.");
                }

                var name = parse.GetValue(model)!;
                // The same embedded host `serve` loads (ONNX Runtime from GUARD_ORT_LIBRARY), for this one model.
                await using var embedded = EmbeddedModels.Load(
                    new ModelHostOptions { Repository = parse.GetValue(repository)!, Models = [name] },
                    new ModelHostMetrics(new MetricsRegistry()),
                    NullLogger<EmbeddedModels>.Instance);
                var host = embedded.Host;
                var hosted = host.VersionsOf(name) is [var newest, ..] ? newest : throw new ArgumentException($"Model '{name}' did not load: {string.Join("; ", host.Failures.Select(f => f.Reason))}");
                var classifier = new ArgMaxClassifier(new HostedScoreModel(hosted));
                var smoothed = new SmoothedClassifier(classifier, options);
                var count = parse.GetValue(limit) is > 0 and var l ? Math.Min(l, images.Count) : images.Count;
                var examples = new List<CertifiedExample>(count);
                var progress = new TextProgress($"certify {name}", count);
                for (var i = 0; i < count; i++)
                {
                    var t0 = Stopwatch.GetTimestamp();
                    var result = await smoothed.CertifyAsync(images.Image(i), (ulong)(parse.GetValue(seed) + i), cancellationToken);
                    var label = images.Label(i);
                    examples.Add(new CertifiedExample(i, label, result.Class, result.Radius, !result.Abstained && result.Class == label, result.SamplesUsed, Stopwatch.GetElapsedTime(t0).TotalMilliseconds));
                    progress.Report(i + 1, string.Create(CultureInfo.InvariantCulture, $"certified accuracy at 0 so far {CertificationReport.AccuracyAt(examples, 0):P1}"));
                }

                var path = parse.GetValue(output) ?? Path.Combine("bench", "results", $"certify-{name}");
                Directory.CreateDirectory(Path.GetDirectoryName(Path.GetFullPath(path))!);
                var curve = CertificationReport.Curve(examples);
                await File.WriteAllTextAsync(path + ".csv", CertificationReport.Csv(examples), cancellationToken);
                await File.WriteAllTextAsync(path + ".curve.json", CertificationReport.Json(name, options, examples, curve), cancellationToken);
                await File.WriteAllTextAsync(path + ".svg", CertificationReport.Svg($"{name}, σ = {options.Sigma}, n = {options.N}, α = {options.Alpha}", curve), cancellationToken);
                Console.WriteLine($"| radius | {string.Join(" | ", new[] { 0, 0.25, 0.5, 0.75, 1.0 }.Select(r => r.ToString("0.00", CultureInfo.InvariantCulture)))} | mean samples | ms per image |");
                Console.WriteLine("|---|---:|---:|---:|---:|---:|---:|---:|");
                Console.WriteLine(string.Create(CultureInfo.InvariantCulture,
                    $"| {name} | {string.Join(" | ", new[] { 0, 0.25, 0.5, 0.75, 1.0 }.Select(r => CertificationReport.AccuracyAt(examples, r).ToString("P1", CultureInfo.InvariantCulture)))} | {examples.Average(e => e.Samples):0} | {examples.Average(e => e.Milliseconds):0.0} |"));
                Console.Error.WriteLine($"Wrote {path}.csv, {path}.curve.json and {path}.svg");
                return 0;
            }
            catch (Exception ex) when (ex is ArgumentException or InvalidDataException or FileNotFoundException or DirectoryNotFoundException or OnnxRuntimeException)
            {
                await Console.Error.WriteLineAsync(ex.Message);
                return 2;
            }
        });
        return command;
    }
}
