namespace Guard.RedTeam.Attacks;

/// <summary>The threat-model sizes shared by the attacks of one run, as the command line sets them.</summary>
public sealed record ThreatModel(double LInfEpsilon = 0.1, double L2Epsilon = 2.0)
{
    public void Validate()
    {
        OptionRules.Require(OptionRules.IsFraction(LInfEpsilon), "Threat model", nameof(LInfEpsilon), "must be in (0, 1]");
        OptionRules.Require(OptionRules.IsPositive(L2Epsilon), "Threat model", nameof(L2Epsilon), "must be positive");
    }
}
