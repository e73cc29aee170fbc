using Guard.Admin.Certification;
using Guard.Guards.Smoothing.Statistics;

namespace Guard.Admin.Tests.Certification;

public sealed class CertificationEstimatorTests
{
    private static readonly CertificationRun Run = new(10_000, 100, 0.001, false, 3, 100);

    private static CertifiedRow Row(long topCount, bool correct, double sigma = 0.25)
    {
        var lower = ClopperPearson.Lower(topCount, Run.N, Run.Alpha);
        return new CertifiedRow(correct, lower > 0.5 ? sigma * StandardNormal.Quantile(lower) : 0, Run.N + Run.N0, 101);
    }

    [Fact]
    public void The_run_reproduces_itself_and_the_top_count_is_recovered_exactly()
    {
        foreach (var k in new long[] { 5_100, 7_000, 9_500, 9_999, 10_000 })
        {
            var lower = ClopperPearson.Lower(k, Run.N, Run.Alpha);
            Assert.Equal(k, CertificationEstimator.TopCount(lower, Run.N, Run.Alpha));
        }

        CertifiedRow[] rows = [Row(9_900, true), Row(7_000, true), Row(4_000, false)];
        var radius = rows[1].Radius;
        var same = CertificationEstimator.Estimate(rows, Run, 0.25, Run.N, Run.N0, Run.Alpha, radius);
        Assert.Equal(1 / 3.0, same.AbstainRate, 9);
        Assert.Equal(2 / 3.0, same.CertifiedAccuracy, 9);
        Assert.Equal(101, same.MsPerRequest, 6); // 101 ms for 10,100 samples in the run
    }

    [Fact]
    public void Fewer_samples_or_a_smaller_alpha_certify_smaller_radii()
    {
        CertifiedRow[] rows = [.. Enumerable.Range(0, 50).Select(i => Row(6_000 + (i * 80), i % 5 != 0))];
        double AbstainAt(int n, double alpha, double rMin) => CertificationEstimator.Estimate(rows, Run, 0.25, n, 100, alpha, rMin).AbstainRate;
        Assert.True(AbstainAt(1_000, 0.001, 0.3) >= AbstainAt(10_000, 0.001, 0.3));
        Assert.True(AbstainAt(10_000, 0.000001, 0.3) >= AbstainAt(10_000, 0.001, 0.3));
        Assert.True(AbstainAt(10_000, 0.001, 0.6) > AbstainAt(10_000, 0.001, 0.1));
        Assert.Equal(0, AbstainAt(100_000, 0.001, 0));
        Assert.Equal(10.1, CertificationEstimator.Estimate(rows, Run, 0.25, 1_000, 10, 0.001, 0).MsPerRequest, 6);
    }
}
