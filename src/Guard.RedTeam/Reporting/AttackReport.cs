namespace Guard.RedTeam.Reporting;

/// <summary>One attack: its threat model, and its runs against the baseline (when given) and the guarded endpoint.</summary>
public sealed record AttackReport(string Attack, string ThreatModel, int Budget, ModeReport? Baseline, ModeReport Guarded);
