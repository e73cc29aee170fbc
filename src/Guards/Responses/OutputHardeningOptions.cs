namespace Guard.Guards.Responses;

/// <summary>How much of the model's scores every client gets back.</summary>
public enum OutputHardeningMode
{
    /// <summary>Scores as the model produced them.</summary>
    None,

    /// <summary>One-hot of the top class per row: the label only. Decision-based attacks still work, score-based ones
    /// (Square, SimBA, NES) lose their signal; clients that take the argmax read the same answer.</summary>
    Top1,

    /// <summary>Scores rounded to <see cref="OutputHardeningOptions.Decimals"/> digits: small score changes, which
    /// score-based attacks climb, disappear below the last digit.</summary>
    Round,
}

/// <summary>Output hardening for one policy: applied to every response of its models, for every client.</summary>
public sealed record OutputHardeningOptions
{
    public static OutputHardeningOptions Off { get; } = new();

    public OutputHardeningMode Mode { get; init; } = OutputHardeningMode.None;

    /// <summary>Digits kept by <see cref="OutputHardeningMode.Round"/> (0–6).</summary>
    public int Decimals { get; init; } = 2;
}
