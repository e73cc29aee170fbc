namespace Guard.Guards.Pipeline;

/// <summary>How long one pipeline stage took and what it decided.</summary>
public readonly record struct StageTiming(string Stage, TimeSpan Elapsed, VerdictKind Outcome);
