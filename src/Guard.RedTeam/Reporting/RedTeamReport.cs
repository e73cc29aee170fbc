namespace Guard.RedTeam.Reporting;

/// <summary>The settings a run used, as the report records them (API keys only counted).</summary>
public sealed record ReportSettings
{
    public required string Endpoint { get; init; }

    public required string Model { get; init; }

    public string? BaselineEndpoint { get; init; }

    public string? BaselineModel { get; init; }

    public required IReadOnlyList<string> Attacks { get; init; }

    public required int Runs { get; init; }

    public required int Budget { get; init; }

    public required int Seed { get; init; }

    public required int Concurrency { get; init; }

    public required double LInfEpsilon { get; init; }

    public required double L2Epsilon { get; init; }

    public required bool StopAtFirstDetection { get; init; }

    public required int ApiKeys { get; init; }

    public required string EvalSet { get; init; }
}

/// <summary>The whole report: what was run, each attack's results, and the benign replay.</summary>
public sealed record RedTeamReport
{
    public string Tool { get; init; } = "guard redteam";

    public required DateTimeOffset StartedAt { get; init; }

    public required DateTimeOffset FinishedAt { get; init; }

    public required ReportSettings Settings { get; init; }

    public required IReadOnlyList<AttackReport> Attacks { get; init; }

    public BenignReport? Benign { get; init; }

    /// <summary>Problems worth a reader's attention (shared clients, refusals that look like misconfiguration).</summary>
    public IReadOnlyList<string> Warnings { get; init; } = [];
}
