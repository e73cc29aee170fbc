using Guard.RedTeam.Targets;

namespace Guard.RedTeam.Attacks;

/// <summary>Hyper-parameters of <see cref="SquareAttack"/>, named as in the paper.</summary>
public sealed record SquareAttackOptions
{
    /// <summary>ε: the L∞ radius around the original.</summary>
    public double Epsilon { get; init; } = 0.1;

    /// <summary>p_init: the fraction of pixels the first squares cover, halved on the paper's schedule.</summary>
    public double PInit { get; init; } = 0.1;

    /// <summary>
    /// The iteration count the p-schedule is laid out over (the paper's N; the schedule's breakpoints are at
    /// i/N·10000 ∈ {10, 50, 200, 500, 1000, 2000, 4000, 6000, 8000}). Null: the run's query budget.
    /// </summary>
    public int? ScheduleIterations { get; init; }

    public void Validate()
    {
        OptionRules.Require(OptionRules.IsFraction(Epsilon), "Square", nameof(Epsilon), "must be in (0, 1]");
        OptionRules.Require(OptionRules.IsFraction(PInit), "Square", nameof(PInit), "must be in (0, 1]");
        OptionRules.Require(ScheduleIterations is null or >= 1, "Square", nameof(ScheduleIterations), "must be at least 1");
    }
}

/// <summary>
/// Square Attack, L∞ untargeted: M. Andriushchenko, F. Croce, N. Flammarion, M. Hein, "Square Attack: a query-efficient
/// black-box adversarial attack via random search", ECCV 2020 (arXiv:1912.00049). Score-based random search on the
/// margin loss: starts from vertical stripes of ±ε, then each query proposes one random square window (side
/// √(p·h·w), p from the piecewise-constant schedule) set to ±ε per channel, kept when the margin drops.
/// </summary>
public sealed class SquareAttack : BlackBoxAttack
{
    private const int MaxResamples = 100;
    private static readonly int[] Breakpoints = [10, 50, 200, 500, 1000, 2000, 4000, 6000, 8000];

    private readonly SquareAttackOptions _options;

    public SquareAttack(SquareAttackOptions options)
        : base("square", PerturbationConstraint.LInf(Valid(options).Epsilon))
    {
        _options = options;
    }

    public SquareAttackOptions Options => _options;

    /// <summary>The paper's schedule: p_init halved at each breakpoint that i/N·10000 has passed.</summary>
    public static double PSchedule(double pInit, int iteration, int iterations)
    {
        var scaled = (int)(iteration / (double)iterations * 10000);
        var halvings = Breakpoints.Count(b => scaled > b);
        return scaled > 10000 ? pInit : pInit / Math.Pow(2, halvings);
    }

    private protected override async Task SearchAsync(QueryOracle oracle, QueryResult clean, Random random, CancellationToken cancellationToken)
    {
        var original = oracle.Original;
        var shape = oracle.Shape;
        var eps = (float)_options.Epsilon;
        var iterations = _options.ScheduleIterations ?? (oracle.RemainingQueries + 1);

        // Vertical stripes: one ±ε sign per (channel, column).
        var best = new float[original.Length];
        for (var c = 0; c < shape.Channels; c++)
        {
            for (var w = 0; w < shape.Width; w++)
            {
                var sign = random.Next(2) == 0 ? -eps : eps;
                for (var h = 0; h < shape.Height; h++)
                {
                    var i = shape.Index(c, h, w);
                    best[i] = VectorMath.Clip01(original[i] + sign);
                }
            }
        }

        oracle.ReportIterate(best);
        var bestLoss = await oracle.MarginAsync(best, cancellationToken);
        var candidate = new float[original.Length];
        var signs = new float[shape.Channels];
        var idle = 0;
        for (var iteration = 0; ; iteration++)
        {
            var p = PSchedule(_options.PInit, iteration, iterations);
            var side = (int)Math.Round(Math.Sqrt(p * shape.Height * shape.Width));
            side = Math.Clamp(side, 1, Math.Min(shape.Height, shape.Width) - 1);
            var top = random.Next(shape.Height - side + 1);
            var left = random.Next(shape.Width - side + 1);

            // Draw signs until the window actually changes (an overlapping square may already hold them).
            var changed = false;
            for (var attempt = 0; attempt < MaxResamples && !changed; attempt++)
            {
                for (var c = 0; c < signs.Length; c++)
                {
                    signs[c] = random.Next(2) == 0 ? -eps : eps;
                }

                changed = WindowChanges(original, best, shape, signs, top, left, side);
            }

            if (!changed)
            {
                // Nothing left to change (a degenerate image): give up rather than spin without querying.
                if (++idle > MaxResamples)
                {
                    return;
                }

                continue;
            }

            idle = 0;

            best.CopyTo(candidate, 0);
            for (var c = 0; c < shape.Channels; c++)
            {
                for (var h = top; h < top + side; h++)
                {
                    for (var w = left; w < left + side; w++)
                    {
                        var i = shape.Index(c, h, w);
                        candidate[i] = VectorMath.Clip01(original[i] + signs[c]);
                    }
                }
            }

            var loss = await oracle.MarginAsync(candidate, cancellationToken);
            if (loss < bestLoss)
            {
                bestLoss = loss;
                (best, candidate) = (candidate, best);
                oracle.ReportIterate(best);
            }
        }
    }

    private static bool WindowChanges(float[] original, float[] best, ImageShape shape, float[] signs, int top, int left, int side)
    {
        for (var c = 0; c < shape.Channels; c++)
        {
            for (var h = top; h < top + side; h++)
            {
                for (var w = left; w < left + side; w++)
                {
                    var i = shape.Index(c, h, w);
                    if (Math.Abs(VectorMath.Clip01(original[i] + signs[c]) - best[i]) >= 1e-7f)
                    {
                        return true;
                    }
                }
            }
        }

        return false;
    }

    private static SquareAttackOptions Valid(SquareAttackOptions options)
    {
        ArgumentNullException.ThrowIfNull(options);
        options.Validate();
        return options;
    }
}
