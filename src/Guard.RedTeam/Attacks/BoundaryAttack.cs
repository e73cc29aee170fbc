using Guard.RedTeam.Targets;

namespace Guard.RedTeam.Attacks;

/// <summary>Hyper-parameters of <see cref="BoundaryAttack"/>, named as in the paper and its reference implementation (Foolbox).</summary>
public sealed record BoundaryAttackOptions
{
    /// <summary>Success threshold: a misclassified image within this L2 distance of the original.</summary>
    public double Epsilon { get; init; } = 2.0;

    /// <summary>δ: the orthogonal (spherical) step, relative to the current distance to the original.</summary>
    public double SphericalStep { get; init; } = 0.01;

    /// <summary>ε of the paper: the step towards the original, relative to the current distance.</summary>
    public double SourceStep { get; init; } = 0.01;

    /// <summary>Factor by which a step size grows (or shrinks) when its success rate leaves its band.</summary>
    public double StepAdaptation { get; init; } = 1.5;

    /// <summary>Proposals whose outcomes are pooled before the step sizes are adapted.</summary>
    public int AdaptationWindow { get; init; } = 20;

    /// <summary>Uniform-noise images tried before giving up on finding a misclassified starting point.</summary>
    public int InitialisationTries { get; init; } = 100;

    /// <summary>Bisection steps that blend the starting noise towards the original (the reference's blended-noise start).</summary>
    public int InitialisationBlendSteps { get; init; } = 10;

    public void Validate()
    {
        OptionRules.Require(OptionRules.IsPositive(Epsilon), "Boundary", nameof(Epsilon), "must be a positive L2 distance");
        OptionRules.Require(OptionRules.IsFraction(SphericalStep), "Boundary", nameof(SphericalStep), "must be in (0, 1]");
        OptionRules.Require(OptionRules.IsFraction(SourceStep), "Boundary", nameof(SourceStep), "must be in (0, 1]");
        OptionRules.Require(StepAdaptation > 1 && double.IsFinite(StepAdaptation), "Boundary", nameof(StepAdaptation), "must be greater than 1");
        OptionRules.Require(AdaptationWindow >= 1, "Boundary", nameof(AdaptationWindow), "must be at least 1");
        OptionRules.Require(InitialisationTries >= 1, "Boundary", nameof(InitialisationTries), "must be at least 1");
        OptionRules.Require(InitialisationBlendSteps >= 0, "Boundary", nameof(InitialisationBlendSteps), "must not be negative");
    }
}

/// <summary>
/// Boundary Attack, L2 untargeted: W. Brendel, J. Rauber, M. Bethge, "Decision-Based Adversarial Attacks: Reliable
/// Attacks Against Black-Box Machine Learning Models", ICLR 2018 (arXiv:1712.04248). Decision-based: starts from
/// misclassified uniform noise and walks along the decision boundary towards the original — each proposal is a
/// random step orthogonal to the direction of the original, projected back onto the sphere around it (relative
/// size δ), then a step of relative size ε towards it — keeping proposals that stay adversarial. δ is tuned so
/// about half the orthogonal steps stay adversarial, ε so that a good share of whole proposals do.
/// The whole proposal is only sent when its orthogonal step was adversarial, which saves a query on most misses.
/// </summary>
public sealed class BoundaryAttack : BlackBoxAttack
{
    private readonly BoundaryAttackOptions _options;

    public BoundaryAttack(BoundaryAttackOptions options)
        : base("boundary", PerturbationConstraint.L2(Valid(options).Epsilon))
    {
        _options = options;
    }

    public BoundaryAttackOptions Options => _options;

    private protected override async Task SearchAsync(QueryOracle oracle, QueryResult clean, Random random, CancellationToken cancellationToken)
    {
        var original = oracle.Original;
        var d = original.Length;
        var current = await StartingPointAsync(oracle, random, cancellationToken);
        if (current is null)
        {
            oracle.GiveUpWithoutStart();
            return;
        }

        var spherical = _options.SphericalStep;
        var source = _options.SourceStep;
        int sphericalTrials = 0, sphericalHits = 0, stepTrials = 0, stepHits = 0;
        var eta = new double[d];
        var sphericalCandidate = new float[d];
        var candidate = new float[d];
        while (true)
        {
            Propose(original, current, spherical, source, eta, sphericalCandidate, candidate, random);
            var sphericalAdversarial = await oracle.IsAdversarialAsync(sphericalCandidate, cancellationToken);
            var adversarial = sphericalAdversarial && await oracle.IsAdversarialAsync(candidate, cancellationToken);
            if (adversarial)
            {
                (current, candidate) = (candidate, current);
            }

            sphericalTrials++;
            sphericalHits += sphericalAdversarial ? 1 : 0;
            stepTrials++;
            stepHits += adversarial ? 1 : 0;
            if (sphericalTrials == _options.AdaptationWindow)
            {
                // Orthogonal steps: aim for about half adversarial; the source step follows.
                var rate = sphericalHits / (double)sphericalTrials;
                var factor = rate > 0.5 ? _options.StepAdaptation : rate < 0.2 ? 1 / _options.StepAdaptation : 1;
                spherical = Math.Min(spherical * factor, 1);
                source = Math.Min(source * factor, 1);
                sphericalTrials = sphericalHits = 0;
            }

            if (stepTrials == _options.AdaptationWindow)
            {
                var rate = stepHits / (double)stepTrials;
                source = Math.Min(source * (rate > 0.25 ? _options.StepAdaptation : rate < 0.1 ? 1 / _options.StepAdaptation : 1), 1);
                stepTrials = stepHits = 0;
            }
        }
    }

    /// <summary>Misclassified uniform noise, blended towards the original as far as it stays misclassified.</summary>
    private async Task<float[]?> StartingPointAsync(QueryOracle oracle, Random random, CancellationToken cancellationToken)
    {
        var noise = new float[oracle.Dimension];
        for (var attempt = 0; ; attempt++)
        {
            if (attempt == _options.InitialisationTries)
            {
                return null;
            }

            for (var i = 0; i < noise.Length; i++)
            {
                noise[i] = (float)random.NextDouble();
            }

            if (await oracle.IsAdversarialAsync(noise, cancellationToken))
            {
                break;
            }
        }

        double low = 0, high = 1;
        var blend = new float[noise.Length];
        for (var step = 0; step < _options.InitialisationBlendSteps; step++)
        {
            var alpha = (low + high) / 2;
            VectorMath.Blend(oracle.Original, noise, alpha, blend);
            if (await oracle.IsAdversarialAsync(blend, cancellationToken))
            {
                high = alpha;
            }
            else
            {
                low = alpha;
            }
        }

        VectorMath.Blend(oracle.Original, noise, high, blend);
        return blend;
    }

    /// <summary>
    /// The spherical candidate (orthogonal step of length δ·‖x − x*‖ projected onto the sphere of radius ‖x − x*‖
    /// around x*) and the full candidate (then ε·‖x − x*‖ closer to x*), both clipped to [0, 1].
    /// </summary>
    private static void Propose(
        float[] original, float[] current, double spherical, double source, double[] eta, float[] sphericalCandidate, float[] candidate, Random random)
    {
        var d = original.Length;
        var distance = VectorMath.L2Distance(original, current);
        VectorMath.FillGaussian(random, eta);

        // Remove the component along the direction to the original.
        var dot = 0.0;
        for (var i = 0; i < d; i++)
        {
            dot += eta[i] * (original[i] - current[i]) / distance;
        }

        for (var i = 0; i < d; i++)
        {
            eta[i] -= dot * (original[i] - current[i]) / distance;
        }

        var scale = spherical * distance / VectorMath.Norm(eta);
        var directionNorm = 0.0;
        for (var i = 0; i < d; i++)
        {
            eta[i] = (current[i] - original[i]) + (eta[i] * scale);
            directionNorm += eta[i] * eta[i];
        }

        directionNorm = Math.Sqrt(directionNorm);
        for (var i = 0; i < d; i++)
        {
            sphericalCandidate[i] = VectorMath.Clip01(original[i] + (eta[i] * distance / directionNorm));
        }

        // Towards the original by ε·distance, measured from where clipping left the spherical candidate.
        var newDistance = VectorMath.L2Distance(original, sphericalCandidate);
        var length = Math.Max(0, (source * distance) + (newDistance - distance)) / newDistance;
        for (var i = 0; i < d; i++)
        {
            candidate[i] = VectorMath.Clip01(sphericalCandidate[i] + (length * (original[i] - sphericalCandidate[i])));
        }
    }

    private static BoundaryAttackOptions Valid(BoundaryAttackOptions options)
    {
        ArgumentNullException.ThrowIfNull(options);
        options.Validate();
        return options;
    }
}
