using Guard.Guards.Smoothing;
using Guard.Guards.Smoothing.Statistics;

namespace Guard.Guards.Tests.Smoothing;

/// <summary>
/// PREDICT and CERTIFY (Cohen, Rosenfeld, Kolter, ICML 2019) against base classifiers whose class probabilities are
/// known. Seeds are fixed, so every run sees the same numbers; margins are chosen so that a correct implementation
/// passes for almost every seed, not just these.
/// </summary>
public sealed class SmoothedClassifierTests
{
    private const float Sigma = 0.25f;
    private static readonly float[] Origin = [0f, 0f];

    /// <summary>The threshold t with P(N(0, σ²) ≤ t) = p.</summary>
    private static float ThresholdFor(double p) => (float)(Sigma * StandardNormal.Quantile(p));

    private static SmoothedClassifier Smoothed(IBaseClassifier f, SmoothingOptions options) => new(f, options);

    [Fact]
    public async Task Predict_returns_a_clear_majority()
    {
        var f = new FixedProbabilityClassifier(1, 0.1, 0.8, 0.1);
        var result = await Smoothed(f, new() { N = 1000, Alpha = 0.001, Seed = 1 }).PredictAsync(Origin);
        Assert.Equal(1, result.Class);
        Assert.False(result.Abstained);
        Assert.Equal(SmoothingDecision.Predicted, result.Decision);
        Assert.Equal(1000, result.SamplesUsed);
    }

    [Fact]
    public async Task Predict_abstains_on_a_tie_between_the_top_two()
    {
        // n_A ≈ n_B ≈ 450 of 1000: the p-value stays far above α unless the counts drift ~3.5 standard deviations apart.
        var f = new FixedProbabilityClassifier(2, 0.45, 0.45, 0.1);
        var result = await Smoothed(f, new() { N = 1000, Alpha = 0.001, Seed = 1 }).PredictAsync(Origin);
        Assert.True(result.Abstained);
        Assert.Equal(-1, result.Class);
        Assert.Equal(SmoothingDecision.Abstain, result.Decision);
    }

    [Fact]
    public async Task Predict_uses_the_noise_on_the_input()
    {
        // P(class 0) = Φ(t/σ) = 0.95 only through the noise; without noise every sample would be class 0 at x = 0 too,
        // so also check a point where the noise must push the majority to class 1.
        var f = new ThresholdClassifier(ThresholdFor(0.05));
        var result = await Smoothed(f, new() { N = 2000, Seed = 4 }).PredictAsync(Origin);
        Assert.Equal(1, result.Class);
    }

    [Fact]
    public async Task Fixed_certify_is_the_papers_certify()
    {
        var f = new RecordingClassifier(new FixedProbabilityClassifier(3, 0.85, 0.1, 0.05));
        var options = new SmoothingOptions { N0 = 100, N = 2000, Alpha = 0.001, BatchSize = 300, Adaptive = false, Seed = 9 };
        var result = await Smoothed(f, options).CertifyAsync(Origin);

        // n₀ in ⌈100/300⌉ = 1 batch, then n in ⌈2000/300⌉ = 7 batches of at most 300.
        Assert.Equal(8, f.Batches.Count);
        Assert.Equal(100, f.Batches[0].Length);
        Assert.All(f.Batches, b => Assert.True(b.Length <= 300));
        var candidate = f.Batches[0].GroupBy(c => c).OrderByDescending(g => g.Count()).ThenBy(g => g.Key).First().Key;
        var k = f.Batches.Skip(1).SelectMany(b => b).Count(c => c == candidate);
        var pALower = ClopperPearson.Lower(k, 2000, 0.001);

        Assert.Equal(candidate, result.Class);
        Assert.Equal(pALower, result.PALower);
        Assert.Equal(Sigma * StandardNormal.Quantile(pALower), result.Radius, 12);
        Assert.Equal(2100, result.SamplesUsed);
        Assert.Equal(1, result.Looks);
        Assert.Equal(SmoothingDecision.CertifiedAtMinRadius, result.Decision);
    }

    [Fact]
    public async Task Certify_abstains_when_the_top_class_is_not_a_majority()
    {
        var f = new FixedProbabilityClassifier(5, 0.4, 0.3, 0.3);
        foreach (var adaptive in new[] { false, true })
        {
            var result = await Smoothed(f, new() { N = 5000, BatchSize = 500, Adaptive = adaptive, Seed = 2 }).CertifyAsync(Origin);
            Assert.True(result.Abstained);
            Assert.Equal(-1, result.Class);
            Assert.Equal(0, result.Radius);
            Assert.Equal(SmoothingDecision.Abstain, result.Decision);
            Assert.True(result.PALower < 0.5);
        }
    }

    [Fact]
    public async Task Certify_with_a_constant_base_classifier_certifies_a_large_radius()
    {
        var result = await Smoothed(new ConstantClassifier(2), new() { N = 10_000, Adaptive = false, Seed = 1 }).CertifyAsync(Origin);
        Assert.Equal(2, result.Class);
        // All 10,000 hits: p_A ≥ α^(1/n) = 0.001^(1/10000) ≈ 0.99931, radius σ·Φ⁻¹ ≈ 0.25 · 3.2.
        Assert.Equal(Math.Pow(0.001, 1.0 / 10_000), result.PALower, 9);
        Assert.InRange(result.Radius, 0.79, 0.82);
    }

    [Theory]
    [InlineData(false)]
    [InlineData(true)]
    public async Task The_certified_radius_stays_below_the_true_radius_in_all_but_alpha_of_trials(bool adaptive)
    {
        // Known p_A = 0.8 through the noise: true radius σ·Φ⁻¹(0.8). α = 0.05 so that violations, if the bound were
        // wrong, would show within 200 trials; a correct bound fails at most 5% of trials (Clopper–Pearson: fewer).
        // Adaptive runs with r_min = the true radius, the hardest case for it: it keeps looking until its bound
        // crosses the truth or the samples run out, so every "certified at r_min" is a violation. (An adaptive
        // certifier that spent the full α at every look would exceed the bound in far more than 5% of trials.)
        const double pTrue = 0.8;
        const double alpha = 0.05;
        const int trials = 200;
        var trueRadius = Sigma * StandardNormal.Quantile(pTrue);
        var f = new ThresholdClassifier(ThresholdFor(pTrue));
        var options = new SmoothingOptions
        {
            Sigma = Sigma, N0 = 50, N = 1000, Alpha = alpha, BatchSize = 100, Adaptive = adaptive, MinRadius = adaptive ? trueRadius : 0,
        };
        var smoothed = Smoothed(f, options);

        var violations = 0;
        var certified = 0;
        for (var trial = 0; trial < trials; trial++)
        {
            var result = await smoothed.CertifyAsync(Origin, seed: (ulong)(1000 + trial));
            if (!result.Abstained)
            {
                certified++;
                Assert.Equal(0, result.Class);
                if (result.Radius > trueRadius || result.PALower > pTrue)
                {
                    violations++;
                }
            }
        }
        // Expected ≤ 10 (measured over 2,000 seeds: 3.9% fixed, 1.6% adaptive); P(Binomial(200, 0.05) > 22) < 1e-4.
        Assert.True(violations <= 22, $"{violations} of {trials} certificates exceed the true radius");
        Assert.True(certified >= trials * 0.95, $"only {certified} of {trials} certified");
    }

    [Fact]
    public async Task A_large_sample_certifies_close_to_the_true_radius()
    {
        const double pTrue = 0.9;
        var f = new ThresholdClassifier(ThresholdFor(pTrue));
        var result = await Smoothed(f, new() { N = 10_000, Adaptive = false, Seed = 21 }).CertifyAsync(Origin);
        var trueRadius = Sigma * StandardNormal.Quantile(pTrue);
        Assert.Equal(0, result.Class);
        // Standard error of p̂ is 0.003; the 0.001 lower bound sits ~3 of them below: radius within 15% of the truth.
        Assert.InRange(result.Radius, 0.85 * trueRadius, trueRadius);
    }

    [Fact]
    public async Task Adaptive_certify_stops_after_one_batch_when_p_A_is_clearly_high()
    {
        // p_A = 0.99, r_min = σ needs p_A ≥ Φ(1) ≈ 0.84: the first 500 samples settle it.
        var f = new ThresholdClassifier(ThresholdFor(0.99));
        var options = new SmoothingOptions { N0 = 100, N = 10_000, BatchSize = 500, MinRadius = Sigma, Seed = 8 };
        var result = await Smoothed(f, options).CertifyAsync(Origin);
        Assert.Equal(SmoothingDecision.CertifiedAtMinRadius, result.Decision);
        Assert.Equal(0, result.Class);
        Assert.True(result.Radius >= Sigma);
        Assert.Equal(1, result.Looks);
        Assert.Equal(600, result.SamplesUsed);
    }

    [Fact]
    public async Task Adaptive_certify_stops_early_when_r_min_is_clearly_out_of_reach()
    {
        // p_A = 0.7 certifies the class but r_min = 2σ needs p_A ≥ Φ(2) ≈ 0.977.
        var f = new ThresholdClassifier(ThresholdFor(0.7));
        var options = new SmoothingOptions { N0 = 100, N = 10_000, BatchSize = 500, MinRadius = 2 * Sigma, Seed = 8 };
        var result = await Smoothed(f, options).CertifyAsync(Origin);
        Assert.NotEqual(SmoothingDecision.CertifiedAtMinRadius, result.Decision);
        Assert.True(result.Radius < 2 * Sigma);
        Assert.True(result.SamplesUsed <= 1100, $"{result.SamplesUsed} samples");
    }

    [Fact]
    public async Task Adaptive_certify_with_r_min_zero_stops_once_the_class_is_settled()
    {
        var options = new SmoothingOptions { N0 = 100, N = 10_000, BatchSize = 500, MinRadius = 0, Seed = 8 };
        var high = await Smoothed(new ThresholdClassifier(ThresholdFor(0.75)), options).CertifyAsync(Origin);
        Assert.Equal(SmoothingDecision.CertifiedAtMinRadius, high.Decision);
        Assert.Equal(0, high.Class);
        Assert.True(high.SamplesUsed <= 1100, $"{high.SamplesUsed} samples");

        // p_A = 0.35: U_t < ½ soon, so not even the class can be certified.
        var low = await Smoothed(new ThresholdClassifier(ThresholdFor(0.35), classes: 3), options).CertifyAsync(Origin);
        Assert.Equal(SmoothingDecision.Abstain, low.Decision);
        Assert.True(low.SamplesUsed <= 1100, $"{low.SamplesUsed} samples");
    }

    [Fact]
    public async Task Adaptive_certify_uses_every_sample_when_p_A_sits_on_the_boundary()
    {
        // r_min = t exactly: p_A = Φ(r_min/σ), so neither bound can cross it (except with probability ≤ 2α).
        var p = 0.9;
        var f = new ThresholdClassifier(ThresholdFor(p));
        var options = new SmoothingOptions { N0 = 100, N = 10_000, BatchSize = 1000, MinRadius = Sigma * StandardNormal.Quantile(p), Seed = 8 };
        var result = await Smoothed(f, options).CertifyAsync(Origin);
        Assert.Equal(10, result.Looks);
        Assert.Equal(10_100, result.SamplesUsed);
        Assert.Equal(0, result.Class);
        Assert.Equal(SmoothingDecision.BelowMinRadius, result.Decision);
    }

    [Fact]
    public async Task Adaptive_certify_with_one_look_is_fixed_certify()
    {
        var f = new ThresholdClassifier(ThresholdFor(0.8));
        var fixedResult = await Smoothed(f, new() { N = 2000, BatchSize = 2000, Adaptive = false, Seed = 5 }).CertifyAsync(Origin);
        var adaptive = await Smoothed(f, new() { N = 2000, BatchSize = 2000, Adaptive = true, Seed = 5 }).CertifyAsync(Origin);
        Assert.Equal(fixedResult, adaptive);
    }

    [Fact]
    public async Task Adaptive_bounds_are_split_over_the_looks()
    {
        // Runs to the last look (boundary case), where the reported bound is Clopper–Pearson at α/T.
        var f = new RecordingClassifier(new FixedProbabilityClassifier(6, 0.6, 0.4));
        var options = new SmoothingOptions { N0 = 100, N = 4000, BatchSize = 1000, Alpha = 0.001, MinRadius = Sigma * StandardNormal.Quantile(0.6), Seed = 3 };
        var result = await Smoothed(f, options).CertifyAsync(Origin);
        Assert.Equal(4, result.Looks);
        var candidate = f.Batches[0].GroupBy(c => c).OrderByDescending(g => g.Count()).ThenBy(g => g.Key).First().Key;
        var k = f.Batches.Skip(1).SelectMany(b => b).Count(c => c == candidate);
        Assert.Equal(SequentialBound.LowerAtLook(k, 4000, 0.001, 4), result.PALower);
    }

    [Fact]
    public async Task The_same_seed_and_input_give_the_same_answer()
    {
        var f = new ThresholdClassifier(ThresholdFor(0.8));
        var smoothed = Smoothed(f, new() { N = 3000, BatchSize = 700, Seed = 77 });
        var first = await smoothed.CertifyAsync(Origin);
        var second = await smoothed.CertifyAsync(Origin);
        var otherSeed = await smoothed.CertifyAsync(Origin, seed: 78);
        Assert.Equal(first, second);
        Assert.NotEqual(first.PALower, otherSeed.PALower);
        Assert.Equal(await smoothed.PredictAsync(Origin), await smoothed.PredictAsync(Origin));
    }

    [Fact]
    public async Task Drawing_the_next_noise_in_the_background_changes_nothing()
    {
        var f = new ThresholdClassifier(ThresholdFor(0.8));
        var options = new SmoothingOptions { N0 = 150, N = 3000, BatchSize = 400, MinRadius = 0.1, Seed = 12 };
        foreach (var adaptive in new[] { false, true })
        {
            var o = options with { Adaptive = adaptive };
            var inline = await new SmoothedClassifier(f, o, overlap: false).CertifyAsync(Origin);
            var overlapped = await new SmoothedClassifier(f, o, overlap: true).CertifyAsync(Origin);
            Assert.Equal(inline, overlapped);
        }
    }

    [Fact]
    public async Task A_label_outside_the_classes_is_an_error()
    {
        var smoothed = Smoothed(new ConstantClassifier(5, classes: 3), new() { N = 10, Seed = 1 });
        await Assert.ThrowsAsync<InvalidOperationException>(async () => await smoothed.PredictAsync(Origin));
    }

    [Fact]
    public async Task Cancellation_stops_sampling()
    {
        using var cancel = new CancellationTokenSource();
        await cancel.CancelAsync();
        var smoothed = Smoothed(new ConstantClassifier(0), new() { Seed = 1 });
        await Assert.ThrowsAnyAsync<OperationCanceledException>(async () => await smoothed.CertifyAsync(Origin, cancellationToken: cancel.Token));
    }

    [Fact]
    public async Task An_empty_input_is_rejected()
    {
        var smoothed = Smoothed(new ConstantClassifier(0), new() { Seed = 1 });
        await Assert.ThrowsAsync<ArgumentException>(async () => await smoothed.CertifyAsync(ReadOnlyMemory<float>.Empty));
    }
}
