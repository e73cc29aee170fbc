namespace Guard.RedTeam.Reporting;

/// <summary>
/// The runs of one attack against one endpoint (baseline: unguarded; guarded: through the guard), summarised.
/// Queries to success count only successful runs; queries to detection only detected ones.
/// </summary>
public sealed record ModeReport
{
    public required string Endpoint { get; init; }

    /// <summary>Runs that attacked an image (runs that found no correctly classified image are left out).</summary>
    public required int Runs { get; init; }

    public required int Successes { get; init; }

    public required double SuccessRate { get; init; }

    public double? MedianQueriesToSuccess { get; init; }

    /// <summary>Runs in which a decision-based attack found no starting point and gave up before its search: they count
    /// as failures for the success rate, and are left out of the detection rate (reported here instead).</summary>
    public required int NeverStarted { get; init; }

    /// <summary>Runs with at least one refused query.</summary>
    public required int Detected { get; init; }

    /// <summary>Detected runs over the runs that started their search.</summary>
    public required double DetectionRate { get; init; }

    /// <summary>1-based index of the first refused query: median and 90th percentile over detected runs.</summary>
    public double? MedianQueriesToDetection { get; init; }

    public double? P90QueriesToDetection { get; init; }

    public required int SuccessesBeforeDetection { get; init; }

    public required double SuccessBeforeDetectionRate { get; init; }

    public required IReadOnlyDictionary<string, int> RefusalCodes { get; init; }

    public required IReadOnlyList<RunReport> Details { get; init; }

    public static ModeReport Summarise(string endpoint, IReadOnlyList<RunReport> runs)
    {
        ArgumentNullException.ThrowIfNull(runs);
        var completed = runs.Where(r => r.Completed).ToArray();
        var n = completed.Length;
        double Rate(int count) => n == 0 ? 0 : count / (double)n;
        var successes = completed.Count(r => r.Success);
        var detected = completed.Where(r => r.Detected).ToArray();
        var neverStarted = completed.Count(r => r.NeverStarted);
        var beforeDetection = completed.Count(r => r.SucceededBeforeDetection);
        var codes = new SortedDictionary<string, int>(StringComparer.Ordinal);
        foreach (var code in detected.Select(r => r.FirstRefusalCode ?? "Unknown"))
        {
            codes[code] = codes.GetValueOrDefault(code) + 1;
        }

        return new ModeReport
        {
            Endpoint = endpoint,
            Runs = n,
            Successes = successes,
            SuccessRate = Rate(successes),
            MedianQueriesToSuccess = Running.Percentiles.Median(completed.Where(r => r.Success).Select(r => r.SuccessQuery!.Value)),
            Detected = detected.Length,
            NeverStarted = neverStarted,
            DetectionRate = n - neverStarted == 0 ? 0 : detected.Length / (double)(n - neverStarted),
            MedianQueriesToDetection = Running.Percentiles.Median(detected.Select(r => r.FirstRefusal!.Value)),
            P90QueriesToDetection = Running.Percentiles.Of(detected.Select(r => r.FirstRefusal!.Value), 0.9),
            SuccessesBeforeDetection = beforeDetection,
            SuccessBeforeDetectionRate = Rate(beforeDetection),
            RefusalCodes = codes,
            Details = runs,
        };
    }
}
