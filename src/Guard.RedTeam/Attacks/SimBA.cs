using Guard.RedTeam.Targets;

namespace Guard.RedTeam.Attacks;

/// <summary>The orthonormal directions SimBA draws from.</summary>
public enum SimbaBasis
{
    /// <summary>SimBA-pixel: the standard basis, one pixel per direction (so the L∞ perturbation is at most ε).</summary>
    Pixel,

    /// <summary>SimBA-DCT: low-frequency 2-D DCT directions first (an L2 attack: ‖δ‖₂ ≤ ε·√queries).</summary>
    Dct,
}

/// <summary>Hyper-parameters of <see cref="SimbaAttack"/>, named as in the paper.</summary>
public sealed record SimbaOptions
{
    /// <summary>ε: the step along each direction (pixel basis: also the L∞ radius).</summary>
    public double Epsilon { get; init; } = 0.2;

    public SimbaBasis Basis { get; init; } = SimbaBasis.Pixel;

    /// <summary>DCT only: the side of the lowest-frequency block searched first, as a fraction of the image side.</summary>
    public double DctFrequencyRatio { get; init; } = 0.25;

    public void Validate()
    {
        OptionRules.Require(OptionRules.IsFraction(Epsilon), "SimBA", nameof(Epsilon), "must be in (0, 1]");
        OptionRules.Require(Enum.IsDefined(Basis), "SimBA", nameof(Basis), "must be Pixel or Dct");
        OptionRules.Require(OptionRules.IsFraction(DctFrequencyRatio), "SimBA", nameof(DctFrequencyRatio), "must be in (0, 1]");
    }
}

/// <summary>
/// SimBA, untargeted: C. Guo, J. R. Gardner, Y. You, A. G. Wilson, K. Q. Weinberger, "Simple Black-box Adversarial
/// Attacks", ICML 2019 (arXiv:1905.07121), Algorithm 1. Draws orthonormal directions q without replacement and
/// tries x − εq, then x + εq, keeping the first that lowers the probability of the true class. Pixel basis: each
/// pixel moves at most once, so the result stays within L∞ ε; a step that clipping to [0, 1] cancels is not sent.
/// </summary>
public sealed class SimbaAttack : BlackBoxAttack
{
    private readonly SimbaOptions _options;

    public SimbaAttack(SimbaOptions options)
        : base("simba", Valid(options).Basis == SimbaBasis.Pixel ? PerturbationConstraint.LInf(options.Epsilon) : PerturbationConstraint.Unbounded)
    {
        _options = options;
    }

    public SimbaOptions Options => _options;

    private protected override async Task SearchAsync(QueryOracle oracle, QueryResult clean, Random random, CancellationToken cancellationToken)
    {
        if (clean.IsRefused)
        {
            return;
        }

        var label = oracle.Label;
        var current = (float[])oracle.Original.Clone();

        // Compared as log-probabilities: the same order as probabilities, without float32 saturation at 1.
        double best = clean.LogProbabilities[label];
        var candidate = new float[current.Length];
        var directions = _options.Basis == SimbaBasis.Pixel
            ? PixelOrder(oracle.Dimension, random)
            : DctBasis.LowFrequencyFirst(oracle.Shape, _options.DctFrequencyRatio, random);
        double[] steps = [-_options.Epsilon, _options.Epsilon];
        foreach (var direction in directions)
        {
            foreach (var alpha in steps)
            {
                if (!direction.Step(current, alpha, candidate))
                {
                    continue;
                }

                var result = await oracle.QueryAsync(candidate, cancellationToken);
                if (!result.IsRefused && result.LogProbabilities[label] < best)
                {
                    best = result.LogProbabilities[label];
                    (current, candidate) = (candidate, current);
                    oracle.ReportIterate(current);
                    break;
                }
            }
        }
    }

    private static IEnumerable<BasisDirection> PixelOrder(int dimension, Random random)
    {
        var order = Enumerable.Range(0, dimension).ToArray();
        random.Shuffle(order);
        return order.Select(BasisDirection.OfPixel);
    }

    private static SimbaOptions Valid(SimbaOptions options)
    {
        ArgumentNullException.ThrowIfNull(options);
        options.Validate();
        return options;
    }
}
