using Guard.RedTeam.Targets;

namespace Guard.RedTeam.Attacks;

/// <summary>Hyper-parameters of <see cref="HopSkipJumpAttack"/>, named as in the paper and its reference code.</summary>
public sealed record HopSkipJumpOptions
{
    /// <summary>Success threshold: a misclassified image within this L2 distance of the original.</summary>
    public double Epsilon { get; init; } = 2.0;

    /// <summary>γ: sets the binary-search threshold θ = γ / d^{3/2} and so the probe radius δ_t = √d·θ·‖x_t − x*‖.</summary>
    public double Gamma { get; init; } = 1.0;

    /// <summary>Queries of the first gradient estimate; iteration t uses InitialEvaluations·√t.</summary>
    public int InitialEvaluations { get; init; } = 100;

    /// <summary>Cap on the queries of one gradient estimate.</summary>
    public int MaxEvaluations { get; init; } = 10_000;

    /// <summary>Uniform-noise images tried before giving up on finding a misclassified starting point.</summary>
    public int InitialisationTries { get; init; } = 100;

    /// <summary>Halvings of the geometric step-size search before an iteration gives up its step.</summary>
    public int MaxStepHalvings { get; init; } = 30;

    public void Validate()
    {
        Require(OptionRules.IsPositive(Epsilon), nameof(Epsilon), "must be a positive L2 distance");
        Require(OptionRules.IsPositive(Gamma), nameof(Gamma), "must be positive");
        Require(InitialEvaluations >= 1, nameof(InitialEvaluations), "must be at least 1");
        Require(MaxEvaluations >= InitialEvaluations, nameof(MaxEvaluations), "must be at least InitialEvaluations");
        Require(InitialisationTries >= 1, nameof(InitialisationTries), "must be at least 1");
        Require(MaxStepHalvings >= 1, nameof(MaxStepHalvings), "must be at least 1");
    }

    private static void Require(bool ok, string name, string rule) => OptionRules.Require(ok, "HopSkipJump", name, rule);
}

/// <summary>
/// HopSkipJumpAttack, L2 untargeted: J. Chen, M. I. Jordan, M. J. Wainwright, "HopSkipJumpAttack: A Query-Efficient
/// Decision-Based Attack", IEEE Symposium on Security and Privacy 2020 (arXiv:1904.02144). Decision-based: reads only
/// the top-1 label. Starts from uniform noise that is misclassified, then repeats: binary search to the decision
/// boundary, Monte-Carlo estimate of the boundary's normal from ±1 decisions at random unit probes (baseline-
/// subtracted, n_t = n_0·√t probes), geometric step-size search along it (ξ_t = ‖x_t − x*‖/√t, halved until
/// adversarial). Every probe is its own query: one image per request.
/// </summary>
public sealed class HopSkipJumpAttack : BlackBoxAttack
{
    private readonly HopSkipJumpOptions _options;

    public HopSkipJumpAttack(HopSkipJumpOptions options)
        : base("hsj", PerturbationConstraint.L2(ValidOptions(options).Epsilon))
    {
        _options = options;
    }

    public HopSkipJumpOptions Options => _options;

    private protected override async Task SearchAsync(QueryOracle oracle, QueryResult clean, Random random, CancellationToken cancellationToken)
    {
        var original = oracle.Original;
        var d = oracle.Dimension;
        var theta = _options.Gamma / (d * Math.Sqrt(d));

        var start = await RandomAdversarialAsync(oracle, random, cancellationToken);
        if (start is null)
        {
            oracle.GiveUpWithoutStart();
            return;
        }

        var current = await BinarySearchAsync(oracle, start, theta, cancellationToken);
        var distance = VectorMath.L2Distance(original, current);
        var gradient = new double[d];
        var candidate = new float[d];
        for (var t = 1; ; t++)
        {
            var delta = t == 1 ? 0.1 : Math.Sqrt(d) * theta * distance;
            var evaluations = (int)Math.Min(_options.InitialEvaluations * Math.Sqrt(t), _options.MaxEvaluations);
            await EstimateGradientAsync(oracle, current, delta, evaluations, gradient, random, cancellationToken);

            // Geometric progression: the largest ξ_t·2^-k that stays adversarial.
            var step = distance / Math.Sqrt(t);
            var found = false;
            for (var k = 0; k < _options.MaxStepHalvings && !found; k++, step /= 2)
            {
                for (var i = 0; i < d; i++)
                {
                    candidate[i] = VectorMath.Clip01(current[i] + (step * gradient[i]));
                }

                found = await oracle.IsAdversarialAsync(candidate, cancellationToken);
            }

            if (found)
            {
                current = await BinarySearchAsync(oracle, candidate, theta, cancellationToken);
                distance = VectorMath.L2Distance(original, current);
            }
        }
    }

    private async Task<float[]?> RandomAdversarialAsync(QueryOracle oracle, Random random, CancellationToken cancellationToken)
    {
        var noise = new float[oracle.Dimension];
        for (var attempt = 0; attempt < _options.InitialisationTries; attempt++)
        {
            for (var i = 0; i < noise.Length; i++)
            {
                noise[i] = (float)random.NextDouble();
            }

            if (await oracle.IsAdversarialAsync(noise, cancellationToken))
            {
                return noise;
            }
        }

        return null;
    }

    /// <summary>Bisects the blend (1 − α)·x* + α·x_adv to within θ of the boundary; returns the adversarial side.</summary>
    private static async Task<float[]> BinarySearchAsync(QueryOracle oracle, float[] adversarial, double threshold, CancellationToken cancellationToken)
    {
        var original = oracle.Original;
        double low = 0, high = 1;
        var mid = new float[original.Length];
        while (high - low > threshold)
        {
            var alpha = (low + high) / 2;
            VectorMath.Blend(original, adversarial, alpha, mid);
            if (await oracle.IsAdversarialAsync(mid, cancellationToken))
            {
                high = alpha;
            }
            else
            {
                low = alpha;
            }
        }

        var result = new float[original.Length];
        VectorMath.Blend(original, adversarial, high, result);
        return result;
    }

    /// <summary>
    /// ∇S estimate at a boundary point: mean of φ(x + δu_b)·u_b over unit probes u_b, with φ = ±1 the decision and
    /// its mean subtracted (the paper's variance reduction) unless all decisions agree; normalised to unit length.
    /// Σ(φ_b − φ̄)u_b = Σφ_b·u_b − φ̄·Σu_b, so two running sums replace storing every probe.
    /// </summary>
    private static async Task EstimateGradientAsync(
        QueryOracle oracle, float[] boundary, double delta, int evaluations, double[] gradient, Random random, CancellationToken cancellationToken)
    {
        var d = boundary.Length;
        var weighted = new double[d];
        var sum = new double[d];
        var u = new double[d];
        var probe = new float[d];
        var decisions = 0.0;
        for (var b = 0; b < evaluations; b++)
        {
            VectorMath.FillGaussian(random, u);
            var norm = VectorMath.Norm(u);
            for (var i = 0; i < d; i++)
            {
                probe[i] = VectorMath.Clip01(boundary[i] + (delta * u[i] / norm));
            }

            var phi = await oracle.IsAdversarialAsync(probe, cancellationToken) ? 1.0 : -1.0;
            decisions += phi;
            for (var i = 0; i < d; i++)
            {
                // Clipping changes the probe: use the direction actually taken.
                var taken = (probe[i] - boundary[i]) / delta;
                weighted[i] += phi * taken;
                sum[i] += taken;
            }
        }

        var mean = decisions / evaluations;
        var baseline = Math.Abs(mean) == 1 ? 0 : mean;
        for (var i = 0; i < d; i++)
        {
            gradient[i] = (weighted[i] - (baseline * sum[i])) / evaluations;
        }

        var length = VectorMath.Norm(gradient);
        if (length > 0)
        {
            for (var i = 0; i < d; i++)
            {
                gradient[i] /= length;
            }
        }
    }

    private static HopSkipJumpOptions ValidOptions(HopSkipJumpOptions options)
    {
        ArgumentNullException.ThrowIfNull(options);
        options.Validate();
        return options;
    }
}
