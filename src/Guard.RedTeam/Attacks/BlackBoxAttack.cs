using Guard.RedTeam.Targets;

namespace Guard.RedTeam.Attacks;

/// <summary>
/// An untargeted black-box evasion attack on one image. Every run starts with the clean image's own query (an
/// attacker checks the label, and score-based attacks need its scores), then searches until the harness halts
/// it: success, budget spent, or a refusal with stop-at-first-detection. Deterministic given the run's seed.
/// </summary>
public abstract class BlackBoxAttack
{
    private protected BlackBoxAttack(string name, PerturbationConstraint constraint)
    {
        Name = name;
        Constraint = constraint;
    }

    /// <summary>The short name used on the command line and in reports (hsj, square, simba, boundary, nes).</summary>
    public string Name { get; }

    /// <summary>What counts as a success: misclassified within this distance of the original.</summary>
    public PerturbationConstraint Constraint { get; }

    public async Task<AttackResult> RunAsync(IBlackBoxTarget target, AttackInput input, AttackRunOptions run, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(target);
        ArgumentNullException.ThrowIfNull(input);
        ArgumentNullException.ThrowIfNull(run);
        input.Validate();
        run.Validate();

        var oracle = new QueryOracle(target, input, run, Constraint);
        var random = new Random(run.Seed);
        try
        {
            var clean = await oracle.QueryAsync(input.Image, cancellationToken);
            if (!clean.IsRefused && clean.TopLabel != input.Label)
            {
                return oracle.ToResult(Name, originalMisclassified: true);
            }

            oracle.Arm();
            await SearchAsync(oracle, clean, random, cancellationToken);
        }
        catch (AttackHaltedException)
        {
            // The harness ended the run; the oracle holds its record.
        }

        return oracle.ToResult(Name, originalMisclassified: false);
    }

    /// <summary>The attack proper: query through <paramref name="oracle"/> until it halts, or return to give up.</summary>
    private protected abstract Task SearchAsync(QueryOracle oracle, QueryResult clean, Random random, CancellationToken cancellationToken);
}
