using Guard.Rpc;

namespace Guard.RedTeam.Attacks;

public enum AttackOutcome
{
    /// <summary>A misclassified image within the threat model was found within the budget.</summary>
    Succeeded,

    /// <summary>The budget ran out (or the attack gave up) without one.</summary>
    Failed,

    /// <summary>The target refused a query and the run was told to stop there.</summary>
    StoppedAtDetection,

    /// <summary>The clean image is already misclassified: nothing to attack (the harness picks another).</summary>
    OriginalMisclassified,

    /// <summary>A decision-based attack found no misclassified starting point (every random image it tried got the
    /// original's label) and gave up, as the reference implementations do: it never began its search.</summary>
    NoStartingPoint,
}

/// <summary>
/// The record of one attack run. Norms are those of <see cref="Adversarial"/> when there is one (the successful
/// image, else the closest misclassified image the run queried), else of the attack's last iterate (a probe
/// around it is not one), else of the last image queried.
/// </summary>
public sealed record AttackResult
{
    public required string Attack { get; init; }

    public required AttackOutcome Outcome { get; init; }

    public bool Success => SuccessQuery is not null;

    /// <summary>Queries sent, the clean image's included.</summary>
    public required int Queries { get; init; }

    /// <summary>1-based index of the query that found the successful image.</summary>
    public int? SuccessQuery { get; init; }

    /// <summary>1-based index of the first refused query.</summary>
    public int? FirstRefusal { get; init; }

    public StatusCode? FirstRefusalCode { get; init; }

    public string? FirstRefusalMessage { get; init; }

    public int RefusedQueries { get; init; }

    public float[]? Adversarial { get; init; }

    public int? AdversarialLabel { get; init; }

    public double? L2 { get; init; }

    public double? LInf { get; init; }

    public bool Detected => FirstRefusal is not null;

    /// <summary>Succeeded before the target refused anything (a refusal after success came too late).</summary>
    public bool SucceededBeforeDetection => SuccessQuery is { } s && (FirstRefusal is not { } r || s < r);
}
