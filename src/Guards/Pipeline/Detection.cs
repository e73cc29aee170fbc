namespace Guard.Guards.Pipeline;

/// <summary>What a detecting stage does with a query it judged an attack. Stored in the blocked-query log by name.</summary>
public enum DetectionActionKind
{
    /// <summary>PERMISSION_DENIED with a neutral message that tells an attacker nothing about why.</summary>
    Reject,

    /// <summary>Answer with a plausible response that carries no information about the model, so adaptive attacks that
    /// probe for rejections learn nothing from being caught.</summary>
    SilentReject,

    /// <summary>Answer normally, but only after <see cref="DetectionAction.Delay"/>: slows a query stream down.</summary>
    Delay,

    /// <summary>Refuse, and ban the client for <see cref="DetectionAction.BanFor"/>.</summary>
    Ban,

    /// <summary>Answer normally; the detection is only recorded for review and calibration.</summary>
    Flag,
}

/// <summary>The action a detecting stage is configured with.</summary>
public sealed record DetectionAction
{
    public static DetectionAction Reject { get; } = new() { Kind = DetectionActionKind.Reject };

    public static DetectionAction Flag { get; } = new() { Kind = DetectionActionKind.Flag };

    public DetectionActionKind Kind { get; init; } = DetectionActionKind.Reject;

    /// <summary>How long <see cref="DetectionActionKind.Delay"/> holds the answer back.</summary>
    public TimeSpan Delay { get; init; } = TimeSpan.FromSeconds(2);

    /// <summary>How long <see cref="DetectionActionKind.Ban"/> bans the client.</summary>
    public TimeSpan BanFor { get; init; } = TimeSpan.FromHours(1);

    /// <summary>Whether the request goes on to the model (after the delay, if any): true for flag and delay.</summary>
    public bool LetsThrough => Kind is DetectionActionKind.Flag or DetectionActionKind.Delay;
}

/// <summary>
/// A detecting stage's finding about one query: its score against its threshold, the earlier queries it matched, and the
/// action configured for the stage. The gateway carries out the action and writes the blocked-query log from this.
/// </summary>
public sealed record Detection
{
    /// <summary>The stage that detected (its <see cref="IGuard.Name"/>).</summary>
    public required string Guard { get; init; }

    /// <summary>The stage's score for the query (e.g. shared hashes, or a k-NN distance).</summary>
    public required double Score { get; init; }

    /// <summary>The threshold the score crossed.</summary>
    public required double Threshold { get; init; }

    public required DetectionAction Action { get; init; }

    /// <summary>Ids of earlier queries this one matched, for review; never secrets.</summary>
    public IReadOnlyList<string> MatchedQueryIds { get; init; } = [];

    /// <summary>The id this query was recorded under by the stage, when it keeps one (so later matches can be traced).</summary>
    public string? QueryId { get; init; }
}
