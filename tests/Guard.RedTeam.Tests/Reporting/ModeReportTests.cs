using Guard.RedTeam.Reporting;

namespace Guard.RedTeam.Tests.Reporting;

public sealed class ModeReportTests
{
    private static RunReport Run(int run, string outcome, int? firstRefusal = null, int? success = null) => new()
    {
        Run = run, Image = run, Label = 0, Client = run, Seed = run, Outcome = outcome, Queries = 10, FirstRefusal = firstRefusal, SuccessQuery = success,
    };

    [Fact]
    public void Runs_that_never_started_count_as_failures_but_not_against_detection()
    {
        var report = ModeReport.Summarise("guarded",
        [
            Run(0, "StoppedAtDetection", firstRefusal: 4),
            Run(1, "StoppedAtDetection", firstRefusal: 10),
            Run(2, "NoStartingPoint"),
            Run(3, "Succeeded", firstRefusal: 7, success: 3),
            Run(4, "NoCorrectlyClassifiedImage") with { Image = null },
        ]);

        Assert.Equal(4, report.Runs);
        Assert.Equal(1, report.NeverStarted);
        Assert.Equal(3, report.Detected);
        Assert.Equal(1.0, report.DetectionRate);
        Assert.Equal(0.25, report.SuccessRate);
        Assert.Equal(7, report.MedianQueriesToDetection);
        Assert.Equal(1, report.SuccessesBeforeDetection);
    }

    [Fact]
    public void An_undetected_run_that_did_start_lowers_the_detection_rate()
    {
        var report = ModeReport.Summarise("guarded", [Run(0, "StoppedAtDetection", firstRefusal: 2), Run(1, "Failed")]);
        Assert.Equal(0.5, report.DetectionRate);
        Assert.Equal(0, report.NeverStarted);
    }
}
