using System.Text.Json;

namespace Guard.Admin.Calibration;

/// <summary>A detecting stage's results on one evaluation set of <c>guard calibrate --evaluate</c>.</summary>
public sealed record CalibrationResult(string Set, int Images, double Flagged);

/// <summary>
/// The evaluation reports <c>guard calibrate</c> writes (<c>detectors-POLICY.json</c>: per set, the share each stage
/// flagged). The benign held-out set's share is the false-positive rate; the attack sets' shares are detection rates.
/// The first reports directory holding the policy's report is used.
/// </summary>
public sealed class CalibrationReports(IReadOnlyList<string> reportsDirectories)
{
    /// <summary>Stage → its result per set, for <paramref name="policy"/>; empty when the policy has no report.</summary>
    public IReadOnlyDictionary<string, IReadOnlyList<CalibrationResult>> For(string policy)
    {
        var results = new Dictionary<string, IReadOnlyList<CalibrationResult>>(StringComparer.Ordinal);
        if (policy.Any(c => !(char.IsAsciiLetterOrDigit(c) || c is '_' or '-'))
            || reportsDirectories.Select(d => Path.Combine(d, $"detectors-{policy}.json")).FirstOrDefault(File.Exists) is not { } path)
        {
            return results;
        }

        using var document = JsonDocument.Parse(File.ReadAllBytes(path));
        var byStage = new Dictionary<string, List<CalibrationResult>>(StringComparer.Ordinal);
        foreach (var set in document.RootElement.EnumerateArray())
        {
            var name = set.GetProperty("set").GetString() ?? "";
            var images = set.GetProperty("images").GetInt32();
            foreach (var stage in set.GetProperty("flagged").EnumerateObject())
            {
                if (!byStage.TryGetValue(stage.Name, out var list))
                {
                    byStage[stage.Name] = list = [];
                }

                list.Add(new CalibrationResult(name, images, stage.Value.GetDouble()));
            }
        }

        foreach (var (stage, list) in byStage)
        {
            results[stage] = list;
        }

        return results;
    }
}
