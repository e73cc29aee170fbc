namespace Guard.RedTeam.Reporting;

/// <summary>The benign client's replay: queries sent, refused, and the false-positive rate.</summary>
public sealed record BenignReport(string Set, int Queries, int Refused, double FalsePositiveRate, IReadOnlyDictionary<string, int> RefusalCodes);
