using Guard.RedTeam.Attacks;

namespace Guard.RedTeam.Running;

/// <summary>What the harness runs: which attacks, how many runs of each, their budget and seed, and how many at once.</summary>
public sealed record RedTeamOptions
{
    public IReadOnlyList<string> Attacks { get; init; } = AttackCatalog.Names;

    /// <summary>Runs per attack, each on its own correctly classified image and (given enough API keys) its own client.</summary>
    public int Runs { get; init; } = 20;

    /// <summary>Query budget of one run, the clean image's query included.</summary>
    public int Budget { get; init; } = 2000;

    public int Seed { get; init; }

    /// <summary>Runs in flight at once.</summary>
    public int Concurrency { get; init; } = 2;

    /// <summary>Guarded runs end at the first refused query (an attacker who is caught is caught).</summary>
    public bool StopAtFirstDetection { get; init; } = true;

    public ThreatModel Threat { get; init; } = new();

    /// <summary>Every problem, worded for the command line; empty when valid.</summary>
    public IReadOnlyList<string> Validate()
    {
        var errors = new List<string>();
        if (Attacks.Count == 0)
        {
            errors.Add("Choose at least one attack.");
        }

        foreach (var name in Attacks.Where(a => !AttackCatalog.IsKnown(a)))
        {
            errors.Add($"Unknown attack '{name}'; choose from {string.Join(", ", AttackCatalog.Names)}.");
        }

        if (Attacks.Distinct(StringComparer.Ordinal).Count() != Attacks.Count)
        {
            errors.Add("An attack is listed twice.");
        }

        if (Runs < 1)
        {
            errors.Add("--runs must be at least 1.");
        }

        if (Budget < 2)
        {
            errors.Add("--budget must be at least 2 queries (the clean image's check plus one).");
        }

        if (Concurrency < 1)
        {
            errors.Add("--concurrency must be at least 1.");
        }

        if (!(Threat.LInfEpsilon > 0 && Threat.LInfEpsilon <= 1))
        {
            errors.Add("--linf-epsilon must be in (0, 1].");
        }

        if (!(Threat.L2Epsilon > 0 && double.IsFinite(Threat.L2Epsilon)))
        {
            errors.Add("--l2-epsilon must be positive.");
        }

        return errors;
    }
}
