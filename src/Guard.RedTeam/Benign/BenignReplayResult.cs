namespace Guard.RedTeam.Benign;

/// <summary>What the benign client saw: how many of its queries were refused (false positives), and with which codes.</summary>
public sealed record BenignReplayResult(int Queries, int Refused, IReadOnlyDictionary<string, int> RefusalCodes)
{
    public double FalsePositiveRate => Queries == 0 ? 0 : Refused / (double)Queries;
}
