using System.Globalization;
using Guard.Guards.Smoothing.Statistics;
using Xunit.Abstractions;

namespace Guard.Guards.Tests.Smoothing.Statistics;

/// <summary>
/// Statistical validity on a synthetic Bernoulli source with known p_A: over many repetitions a bound at level α may
/// be wrong in at most a fraction α of them. The pass mark is the count of misses that a correct bound exceeds with
/// probability below 1e-6 (from the exact Bin(trials, α) tail, computed by make_reference.py), and the seeds are
/// fixed, so the tests are deterministic and could not flake even with fresh seeds.
/// </summary>
public sealed class CoverageTests(ITestOutputHelper output)
{
    private const int Samples = 1000;
    private const int BatchSize = 100;
    private const int Looks = Samples / BatchSize;

    public static TheoryData<double, double> Cases => new()
    {
        { 0.6, 0.05 }, { 0.9, 0.05 }, { 0.99, 0.05 }, { 0.6, 0.01 }, { 0.9, 0.01 }, { 0.99, 0.01 },
    };

    [Theory]
    [MemberData(nameof(Cases))]
    public void The_clopper_pearson_bounds_cover_pA_in_at_least_1_minus_alpha_of_trials(double pA, double alpha)
    {
        var (trials, maxMisses) = Threshold(alpha);
        var sampler = new BinomialSampler(Samples, pA);
        var lower = new BoundTable(k => ClopperPearson.Lower(k, Samples, alpha));
        var upper = new BoundTable(k => ClopperPearson.Upper(k, Samples, alpha));
        var random = new Random(Seed(pA, alpha));
        int lowerMisses = 0;
        int upperMisses = 0;
        for (int trial = 0; trial < trials; trial++)
        {
            int successes = sampler.Next(random);
            lowerMisses += lower[successes] > pA ? 1 : 0;
            upperMisses += upper[successes] < pA ? 1 : 0;
        }

        Report("fixed n", pA, alpha, trials, lowerMisses, upperMisses, maxMisses);
        Assert.InRange(lowerMisses, 0, maxMisses);
        Assert.InRange(upperMisses, 0, maxMisses);
    }

    [Theory]
    [MemberData(nameof(Cases))]
    public void The_union_bound_covers_pA_at_every_look_at_once_with_early_stopping(double pA, double alpha)
    {
        var (trials, maxMisses) = Threshold(alpha);
        int misses = RunSequential(pA, alpha, trials, (look, k) => SequentialBound.LowerAtLook(k, look * BatchSize, alpha, Looks),
            (look, k) => SequentialBound.UpperAtLook(k, look * BatchSize, alpha, Looks), stopEarly: true);
        int missesWithoutStopping = RunSequential(pA, alpha, trials, (look, k) => SequentialBound.LowerAtLook(k, look * BatchSize, alpha, Looks),
            (look, k) => SequentialBound.UpperAtLook(k, look * BatchSize, alpha, Looks), stopEarly: false);

        Report("union bound, early stop", pA, alpha, trials, misses, null, maxMisses);
        Report("union bound, all looks", pA, alpha, trials, missesWithoutStopping, null, maxMisses);
        Assert.InRange(misses, 0, maxMisses);
        Assert.InRange(missesWithoutStopping, 0, maxMisses);
    }

    [Theory]
    [MemberData(nameof(Cases))]
    public void Linear_alpha_spending_also_covers_pA_at_every_look_at_once(double pA, double alpha)
    {
        var (trials, maxMisses) = Threshold(alpha);
        int misses = RunSequential(pA, alpha, trials,
            (look, k) => SequentialBound.LowerAtLook(k, look * BatchSize, alpha, look, Looks, LinearAlphaSpending.Instance),
            (look, k) => SequentialBound.UpperAtLook(k, look * BatchSize, alpha, look, Looks, LinearAlphaSpending.Instance), stopEarly: false);

        Report("linear spending, all looks", pA, alpha, trials, misses, null, maxMisses);
        Assert.InRange(misses, 0, maxMisses);
    }

    [Fact]
    public void Reusing_alpha_at_every_look_would_not_cover_which_is_why_the_union_bound_exists()
    {
        // The control experiment: the same source and looks, each at the full α, miss far more often than α.
        const double pA = 0.6;
        const double alpha = 0.05;
        var (trials, maxMisses) = Threshold(alpha);
        int misses = RunSequential(pA, alpha, trials, (look, k) => ClopperPearson.Lower(k, look * BatchSize, alpha),
            (look, k) => ClopperPearson.Upper(k, look * BatchSize, alpha), stopEarly: false);

        Report("naive per-look α (control)", pA, alpha, trials, misses, null, maxMisses);
        Assert.True(misses > maxMisses, $"{misses} misses; the naive scheme was expected to exceed {maxMisses}");
    }

    /// <summary>
    /// Simulates the certifier: a batch of 100 samples per look, up to 10 looks; a trial misses when any look it
    /// reaches has a lower bound above p_A. With early stopping it stops once the lower bound clears a target radius
    /// threshold (certified) or the upper bound falls below it (cannot certify), as the adaptive certifier does.
    /// </summary>
    private static int RunSequential(double pA, double alpha, int trials, Func<int, long, double> lowerAt, Func<int, long, double> upperAt, bool stopEarly)
    {
        double target = pA - 0.03;
        var batch = new BinomialSampler(BatchSize, pA);
        var lower = new BoundTable[Looks + 1];
        var upper = new BoundTable[Looks + 1];
        for (int look = 1; look <= Looks; look++)
        {
            int l = look;
            lower[look] = new BoundTable(k => lowerAt(l, k));
            upper[look] = new BoundTable(k => upperAt(l, k));
        }

        var random = new Random(Seed(pA, alpha) + (stopEarly ? 1 : 2));
        int misses = 0;
        for (int trial = 0; trial < trials; trial++)
        {
            int successes = 0;
            for (int look = 1; look <= Looks; look++)
            {
                successes += batch.Next(random);
                double bound = lower[look][successes];
                if (bound > pA)
                {
                    misses++;
                    break;
                }

                if (stopEarly && (bound >= target || upper[look][successes] < target))
                {
                    break;
                }
            }
        }

        return misses;
    }

    private static (int Trials, int MaxMisses) Threshold(double alpha)
    {
        var row = ReferenceValues.CoverageThresholds.Single(r => r.Alpha == alpha);
        return (row.Trials, row.MaxMisses);
    }

    private static int Seed(double pA, double alpha) => (int)(pA * 1000) * 7919 + (int)(alpha * 1000);

    private void Report(string scheme, double pA, double alpha, int trials, int lowerMisses, int? upperMisses, int maxMisses)
    {
        string upperPart = upperMisses is int u ? string.Create(CultureInfo.InvariantCulture, $", upper misses {u} ({(double)u / trials:P2})") : "";
        output.WriteLine(string.Create(CultureInfo.InvariantCulture,
            $"{scheme}: pA = {pA}, α = {alpha}: lower misses {lowerMisses} of {trials} ({(double)lowerMisses / trials:P2}){upperPart}; pass mark ≤ {maxMisses}"));
    }

    /// <summary>Bounds depend only on the count, so each is computed once, when first needed.</summary>
    private sealed class BoundTable(Func<long, double> bound)
    {
        private readonly Dictionary<long, double> _values = [];

        public double this[long successes]
        {
            get
            {
                if (!_values.TryGetValue(successes, out double value))
                {
                    value = bound(successes);
                    _values[successes] = value;
                }

                return value;
            }
        }
    }
}
