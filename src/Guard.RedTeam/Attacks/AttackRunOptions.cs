namespace Guard.RedTeam.Attacks;

/// <summary>
/// What the harness imposes on one run: the query budget, the seed, whether a refusal ends it, and whether the first
/// adversarial image within the threat model does. Against a defence the attacker does not know the defender's ε, so it
/// goes on optimising: guarded runs end only at a refusal or the budget, and success is still recorded when it happens.
/// </summary>
public sealed record AttackRunOptions(int QueryBudget, int Seed, bool StopAtFirstDetection = true, bool StopAtSuccess = true)
{
    public void Validate()
    {
        if (QueryBudget < 1)
        {
            throw new ArgumentOutOfRangeException(nameof(QueryBudget), QueryBudget, "The query budget must be at least 1.");
        }
    }
}
