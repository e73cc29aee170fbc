using Guard.Admin.Calibration;
using Guard.Admin.Certification;

namespace Guard.Admin.Tests.Certification;

/// <summary>The reports shipped in reports/ are what the console shows on a fresh clone: they must read.</summary>
public sealed class ShippedReportsTests
{
    private static string Reports()
    {
        for (var dir = new DirectoryInfo(AppContext.BaseDirectory); dir is not null; dir = dir.Parent)
        {
            if (File.Exists(Path.Combine(dir.FullName, "Guard.sln")))
            {
                return Path.Combine(dir.FullName, "reports");
            }
        }

        throw new DirectoryNotFoundException("repository root");
    }

    [Fact]
    public void The_demo_policy_has_its_calibration_results_per_detector()
    {
        var results = new CalibrationReports([Path.Combine(Path.GetTempPath(), "no-such-dir"), Reports()]).For("detected");
        Assert.Equal(["detector", "squeezing"], results.Keys.Order());
        var heldOut = results["squeezing"].Single(r => r.Set == "benign (held out)");
        Assert.Equal(1000, heldOut.Images);
        Assert.InRange(heldOut.Flagged, 0.0, 0.2);
        Assert.Contains(results["detector"], r => r.Set.StartsWith("pgd", StringComparison.Ordinal) && r.Flagged > 0.5);
        Assert.Empty(new CalibrationReports([Reports()]).For("../reports/detectors-detected"));
    }

    [Fact]
    public void The_smoothing_models_have_a_fixed_run_to_estimate_from()
    {
        var catalog = new CertificationCatalog([Reports()]);
        foreach (var model in new[] { "fashion_cnn_s025", "fashion_cnn_s050" })
        {
            var (run, curve) = catalog.ReadCurve(model);
            Assert.NotNull(run);
            Assert.False(run.Adaptive);
            Assert.Equal(run.Images, catalog.Rows(model)!.Count);
            Assert.Equal(curve[0].CertifiedAccuracy, catalog.Rows(model)!.Count(r => r.Correct) / (double)run.Images, 9);
        }

        Assert.Null(catalog.Rows("../fashion_cnn_s025"));
    }
}
