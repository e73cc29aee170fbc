using Guard.Guards.Smoothing.Statistics;

namespace Guard.Guards.Smoothing;

/// <summary>
/// The smoothed classifier g(x) = argmax_c P(f(x + ε) = c), ε ~ N(0, σ²I), of Cohen, Rosenfeld and Kolter, "Certified
/// Adversarial Robustness via Randomized Smoothing" (ICML 2019): PREDICT and CERTIFY as in the paper, and an adaptive
/// CERTIFY that stops sampling as soon as the answer for r_min is known.
/// </summary>
/// <remarks>
/// <para>Adaptive CERTIFY (<see cref="SmoothingOptions.Adaptive"/>): after the n₀ selection samples, the estimation
/// samples come in batches of B = BatchSize up to N, and after batch t of T = ⌈N/B⌉ (m samples, k of them c_A) the
/// Clopper–Pearson bounds at level α/T, L_t and U_t, are checked: σ·Φ⁻¹(L_t) ≥ r_min (and L_t ≥ ½) certifies c_A at
/// radius σ·Φ⁻¹(L_t); σ·Φ⁻¹(U_t) &lt; r_min proves r_min out of reach (for r_min = 0: U_t &lt; ½, the class itself cannot
/// be certified); otherwise sampling goes on, and at look T the decision is the paper's, on L_T.</para>
/// <para>Why it is sound: by the union bound, P(∃t: p_A &lt; L_t) ≤ Σ_t α/T = α, so whatever look the procedure stops at
/// (a data-dependent time), the bound it reports holds with probability ≥ 1 − α — the same guarantee as CERTIFY.
/// Likewise P(∃t: p_A &gt; U_t) ≤ α bounds the chance of giving up on a reachable r_min; that error only ever costs a
/// certificate, never grants a false one. The price: each look's bound is at α/T, slightly looser than the fixed-n
/// bound at α when all N samples are needed. With T = 1 it is exactly CERTIFY.</para>
/// <para>Samples run in batches of BatchSize rows, one <see cref="IBaseClassifier.ClassifyAsync"/> per batch, from
/// pooled buffers; on machines with more than one core the next batch's noise is drawn while the classifier runs.</para>
/// </remarks>
public sealed class SmoothedClassifier
{
    private readonly IBaseClassifier _classifier;
    private readonly SmoothingOptions _options;
    private readonly CertificateRule _rule;
    private readonly bool _overlap;

    public SmoothedClassifier(IBaseClassifier classifier, SmoothingOptions options)
        : this(classifier, options, overlap: Environment.ProcessorCount > 1)
    {
    }

    internal SmoothedClassifier(IBaseClassifier classifier, SmoothingOptions options, bool overlap)
    {
        ArgumentNullException.ThrowIfNull(classifier);
        ArgumentNullException.ThrowIfNull(options);
        options.Validate();
        if (classifier.Classes < 2)
        {
            throw new ArgumentException($"The base classifier must have at least 2 classes (has {classifier.Classes}).", nameof(classifier));
        }
        _classifier = classifier;
        _options = options;
        _rule = new CertificateRule(options.Sigma, options.MinRadius);
        _overlap = overlap;
    }

    public SmoothingOptions Options => _options;

    /// <summary>
    /// PREDICT (paper, Algorithm 1 left): n = N noisy samples, the two most frequent classes c_A, c_B with counts n_A, n_B;
    /// returns c_A if the two-sided binomial test of n_A out of n_A + n_B against ½ has p-value ≤ α, else abstains. The
    /// answer differs from g(x) with probability at most α.
    /// </summary>
    /// <param name="input">One input, flattened as the base classifier expects it.</param>
    /// <param name="seed">Noise seed for this request; overrides <see cref="SmoothingOptions.Seed"/>.</param>
    public async ValueTask<SmoothingResult> PredictAsync(ReadOnlyMemory<float> input, ulong? seed = null, CancellationToken cancellationToken = default)
    {
        var counts = new ClassCounts(_classifier.Classes);
        using (var sampler = CreateSampler(input, seed))
        {
            await sampler.SampleAsync(_options.N, counts, upcoming: 0, cancellationToken);
        }
        var (first, second) = counts.TopTwo();
        var nA = counts[first];
        var nB = counts[second];
        if (Binomial.TwoSidedPValue(nA, nA + nB, 0.5) > _options.Alpha)
        {
            return SmoothingResult.Abstain(0, counts.Total, 1);
        }
        return new SmoothingResult(first, false, 0, 0, counts.Total, 1, SmoothingDecision.Predicted);
    }

    /// <summary>
    /// CERTIFY (paper, Algorithm 1 right): n₀ samples pick c_A; then, fixed (<see cref="SmoothingOptions.Adaptive"/> off),
    /// n = N samples give k hits and p_A ≥ Clopper–Pearson lower bound at α, the radius σ·Φ⁻¹(p_A), abstaining below ½;
    /// adaptive, the sequential version described on the class. A certificate is wrong with probability at most α.
    /// </summary>
    /// <param name="input">One input, flattened as the base classifier expects it.</param>
    /// <param name="seed">Noise seed for this request; overrides <see cref="SmoothingOptions.Seed"/>.</param>
    public async ValueTask<SmoothingResult> CertifyAsync(ReadOnlyMemory<float> input, ulong? seed = null, CancellationToken cancellationToken = default)
    {
        using var sampler = CreateSampler(input, seed);
        var selection = new ClassCounts(_classifier.Classes);
        var firstEstimation = _options.Adaptive ? Math.Min(_options.BatchSize, _options.N) : _options.N;
        await sampler.SampleAsync(_options.N0, selection, firstEstimation, cancellationToken);
        var candidate = selection.TopTwo().First;

        // Fresh samples for the estimate: reusing the selection samples would bias p_A upwards.
        var estimation = new ClassCounts(_classifier.Classes);
        if (!_options.Adaptive)
        {
            await sampler.SampleAsync(_options.N, estimation, upcoming: 0, cancellationToken);
            var pALower = ClopperPearson.Lower(estimation[candidate], _options.N, _options.Alpha);
            return _rule.Decide(candidate, pALower, _options.N0 + estimation.Total, looks: 1);
        }

        var maxLooks = _options.MaxLooks;
        for (var look = 1; ; look++)
        {
            var remaining = _options.N - (int)estimation.Total;
            var batch = Math.Min(_options.BatchSize, remaining);
            await sampler.SampleAsync(batch, estimation, upcoming: Math.Min(_options.BatchSize, remaining - batch), cancellationToken);
            var k = estimation[candidate];
            var m = estimation.Total;
            var lower = SequentialBound.LowerAtLook(k, m, _options.Alpha, maxLooks);
            var used = _options.N0 + m;
            if (look == maxLooks || _rule.Reaches(lower))
            {
                return _rule.Decide(candidate, lower, used, look);
            }
            if (_rule.CannotReach(SequentialBound.UpperAtLook(k, m, _options.Alpha, maxLooks)))
            {
                // r_min is out of reach; report what is certified (possibly the class at a smaller radius) or abstain.
                return _rule.Decide(candidate, lower, used, look);
            }
        }
    }

    private NoisySampler CreateSampler(ReadOnlyMemory<float> input, ulong? seed)
    {
        var chosen = seed ?? _options.Seed;
        var noise = chosen is { } value ? new GaussianNoise(value) : GaussianNoise.FromRandomSeed();
        return new NoisySampler(_classifier, input, noise, (float)_options.Sigma, _options.BatchSize, _overlap);
    }
}
