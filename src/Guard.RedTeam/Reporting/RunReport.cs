using Guard.RedTeam.Attacks;

namespace Guard.RedTeam.Reporting;

/// <summary>One attack run as the report lists it (never the API key: only the client's index).</summary>
public sealed record RunReport
{
    public required int Run { get; init; }

    /// <summary>Index of the attacked image in the evaluation set; null when no correctly classified image was found.</summary>
    public int? Image { get; init; }

    public int? Label { get; init; }

    public required int Client { get; init; }

    public required int Seed { get; init; }

    public required string Outcome { get; init; }

    public int Queries { get; init; }

    public int? SuccessQuery { get; init; }

    public int? FirstRefusal { get; init; }

    public string? FirstRefusalCode { get; init; }

    public string? FirstRefusalMessage { get; init; }

    public int RefusedQueries { get; init; }

    public int? AdversarialLabel { get; init; }

    public double? L2 { get; init; }

    public double? LInf { get; init; }

    internal bool Completed => Image is not null;

    internal bool Success => SuccessQuery is not null;

    internal bool Detected => FirstRefusal is not null;

    /// <summary>The attack never began its search (no adversarial starting point): there was no attack stream to detect.</summary>
    internal bool NeverStarted => Outcome == nameof(Attacks.AttackOutcome.NoStartingPoint);

    internal bool SucceededBeforeDetection => SuccessQuery is { } s && (FirstRefusal is not { } r || s < r);

    public static RunReport From(int run, int image, int label, int client, int seed, AttackResult result)
    {
        ArgumentNullException.ThrowIfNull(result);
        return new RunReport
        {
            Run = run,
            Image = image,
            Label = label,
            Client = client,
            Seed = seed,
            Outcome = result.Outcome.ToString(),
            Queries = result.Queries,
            SuccessQuery = result.SuccessQuery,
            FirstRefusal = result.FirstRefusal,
            FirstRefusalCode = result.FirstRefusalCode?.ToString(),
            FirstRefusalMessage = result.FirstRefusalMessage,
            RefusedQueries = result.RefusedQueries,
            AdversarialLabel = result.AdversarialLabel,
            L2 = result.L2,
            LInf = result.LInf,
        };
    }
}
