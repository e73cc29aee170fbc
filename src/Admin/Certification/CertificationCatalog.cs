using System.Globalization;
using System.Text.Json;

namespace Guard.Admin.Certification;

/// <summary>
/// The noise-trained models of the repository (their <c>metrics.json</c> has <c>sigma_train</c>) and their latest
/// <c>guard certify</c> results (<c>certify-MODEL.curve.json</c> and <c>.csv</c>) from the first reports directory that
/// has them.
/// </summary>
public sealed class CertificationCatalog(IReadOnlyList<string> reportsDirectories)
{
    public IReadOnlyList<CertificationOption> Options(string? modelRepository)
    {
        var options = new List<CertificationOption>();
        if (modelRepository is null || !Directory.Exists(modelRepository))
        {
            return options;
        }

        foreach (var directory in Directory.EnumerateDirectories(modelRepository).Order(StringComparer.Ordinal))
        {
            var model = Path.GetFileName(directory);
            if (TrainingSigma(Path.Combine(directory, "metrics.json")) is not { } sigma)
            {
                continue;
            }

            var (run, curve) = ReadCurve(model);
            options.Add(new CertificationOption(model, sigma, run, curve));
        }

        return options;
    }

    /// <summary>The examples of the latest run of <paramref name="model"/>, or null when it has none.</summary>
    public IReadOnlyList<CertifiedRow>? Rows(string model)
    {
        var path = IsPlainName(model) ? Find($"certify-{model}.curve.json") is { } directory ? Path.Combine(directory, $"certify-{model}.csv") : null : null;
        if (path is null || !File.Exists(path))
        {
            return null;
        }

        var rows = new List<CertifiedRow>();
        foreach (var line in File.ReadLines(path).Skip(1))
        {
            // index,label,prediction,radius,correct,samples,time_ms
            var cells = line.Split(',');
            if (cells.Length < 7)
            {
                continue;
            }

            rows.Add(new CertifiedRow(
                cells[4] == "1",
                double.Parse(cells[3], CultureInfo.InvariantCulture),
                long.Parse(cells[5], CultureInfo.InvariantCulture),
                double.Parse(cells[6], CultureInfo.InvariantCulture)));
        }

        return rows;
    }

    public (CertificationRun? Run, IReadOnlyList<CurvePoint> Curve) ReadCurve(string model)
    {
        if (!IsPlainName(model) || Find($"certify-{model}.curve.json") is not { } directory)
        {
            return (null, []);
        }

        var path = Path.Combine(directory, $"certify-{model}.curve.json");
        using var document = JsonDocument.Parse(File.ReadAllBytes(path));
        var root = document.RootElement;
        var curve = root.TryGetProperty("curve", out var points)
            ? points.EnumerateArray().Select(p => new CurvePoint(p.GetProperty("radius").GetDouble(), p.GetProperty("certifiedAccuracy").GetDouble())).ToList()
            : [];
        CertificationRun? run = null;
        if (root.TryGetProperty("run", out var r))
        {
            run = new CertificationRun(
                r.GetProperty("n").GetInt32(), r.GetProperty("n0").GetInt32(), r.GetProperty("alpha").GetDouble(),
                r.GetProperty("adaptive").GetBoolean(), r.GetProperty("images").GetInt32(), r.GetProperty("meanMs").GetDouble());
        }

        return (run, curve);
    }

    /// <summary>The first reports directory holding <paramref name="file"/> (curve and CSV are read from the same one).</summary>
    private string? Find(string file) => reportsDirectories.FirstOrDefault(d => File.Exists(Path.Combine(d, file)));

    private static double? TrainingSigma(string metricsPath)
    {
        if (!File.Exists(metricsPath))
        {
            return null;
        }

        try
        {
            using var document = JsonDocument.Parse(File.ReadAllBytes(metricsPath));
            return document.RootElement.TryGetProperty("sigma_train", out var sigma) && sigma.ValueKind == JsonValueKind.Number && sigma.GetDouble() > 0
                ? sigma.GetDouble()
                : null;
        }
        catch (JsonException)
        {
            return null;
        }
    }

    // Model names come from requests; they must not walk out of the reports directory.
    private static bool IsPlainName(string model) =>
        model.Length is > 0 and <= 128 && model.All(c => char.IsAsciiLetterOrDigit(c) || c is '_' or '-' or '.') && !model.Contains("..", StringComparison.Ordinal);
}
