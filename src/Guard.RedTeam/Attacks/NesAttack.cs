using Guard.RedTeam.Targets;

namespace Guard.RedTeam.Attacks;

/// <summary>Hyper-parameters of <see cref="NesAttack"/>, named as in the paper.</summary>
public sealed record NesOptions
{
    /// <summary>ε: the L∞ radius around the original.</summary>
    public double Epsilon { get; init; } = 0.1;

    /// <summary>σ: the search variance of the Gaussian samples.</summary>
    public double Sigma { get; init; } = 0.001;

    /// <summary>n: samples per gradient estimate (antithetic pairs, so an even number; two queries per pair).</summary>
    public int Samples { get; init; } = 50;

    /// <summary>η: the step of each projected sign-gradient update.</summary>
    public double LearningRate { get; init; } = 0.01;

    /// <summary>Momentum of the gradient estimate across iterations (0: none).</summary>
    public double Momentum { get; init; } = 0.9;

    public void Validate()
    {
        OptionRules.Require(OptionRules.IsFraction(Epsilon), "NES", nameof(Epsilon), "must be in (0, 1]");
        OptionRules.Require(OptionRules.IsFraction(Sigma), "NES", nameof(Sigma), "must be in (0, 1]");
        OptionRules.Require(Samples >= 2 && Samples % 2 == 0, "NES", nameof(Samples), "must be an even number of at least 2");
        OptionRules.Require(OptionRules.IsFraction(LearningRate), "NES", nameof(LearningRate), "must be in (0, 1]");
        OptionRules.Require(Momentum is >= 0 and < 1, "NES", nameof(Momentum), "must be in [0, 1)");
    }
}

/// <summary>
/// NES attack, L∞ untargeted: A. Ilyas, L. Engstrom, A. Athalye, J. Lin, "Black-box Adversarial Attacks with Limited
/// Queries and Information", ICML 2018 (arXiv:1804.08598), the query-limited setting. Natural Evolution Strategies
/// estimate the loss gradient from antithetic Gaussian samples, ∇ ≈ 1/(nσ)·Σ [L(x + σu_i) − L(x − σu_i)]·u_i, and
/// projected gradient descent takes sign steps of size η, clipped to the ε-ball and [0, 1]. The loss is the
/// margin (log p_true − max other log p), the untargeted counterpart of the paper's target-class log-probability.
/// </summary>
public sealed class NesAttack : BlackBoxAttack
{
    private readonly NesOptions _options;

    public NesAttack(NesOptions options)
        : base("nes", PerturbationConstraint.LInf(Valid(options).Epsilon))
    {
        _options = options;
    }

    public NesOptions Options => _options;

    private protected override async Task SearchAsync(QueryOracle oracle, QueryResult clean, Random random, CancellationToken cancellationToken)
    {
        var original = oracle.Original;
        var d = original.Length;
        var current = (float[])original.Clone();
        var gradient = new double[d];
        var estimate = new double[d];
        var u = new double[d];
        var plus = new float[d];
        var minus = new float[d];
        var sigma = _options.Sigma;
        while (true)
        {
            Array.Clear(estimate);
            var pairs = 0;
            for (var pair = 0; pair < _options.Samples / 2; pair++)
            {
                VectorMath.FillGaussian(random, u);
                for (var i = 0; i < d; i++)
                {
                    plus[i] = VectorMath.Clip01(current[i] + (sigma * u[i]));
                    minus[i] = VectorMath.Clip01(current[i] - (sigma * u[i]));
                }

                var lossPlus = await oracle.MarginAsync(plus, cancellationToken);
                var lossMinus = await oracle.MarginAsync(minus, cancellationToken);
                if (double.IsInfinity(lossPlus) || double.IsInfinity(lossMinus))
                {
                    // A refused sample carries no information.
                    continue;
                }

                pairs++;
                for (var i = 0; i < d; i++)
                {
                    estimate[i] += (lossPlus - lossMinus) * u[i];
                }
            }

            if (pairs == 0)
            {
                continue;
            }

            for (var i = 0; i < d; i++)
            {
                gradient[i] = (_options.Momentum * gradient[i]) + ((1 - _options.Momentum) * estimate[i] / (2 * pairs * sigma));
                var stepped = current[i] - (_options.LearningRate * Math.Sign(gradient[i]));
                var projected = Math.Clamp(stepped, original[i] - _options.Epsilon, original[i] + _options.Epsilon);
                current[i] = VectorMath.Clip01(projected);
            }

            // The new iterate is the attacker's candidate: sending it is how a success is seen.
            oracle.ReportIterate(current);
            await oracle.MarginAsync(current, cancellationToken);
        }
    }

    private static NesOptions Valid(NesOptions options)
    {
        ArgumentNullException.ThrowIfNull(options);
        options.Validate();
        return options;
    }
}
