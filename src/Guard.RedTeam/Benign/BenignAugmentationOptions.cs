namespace Guard.RedTeam.Benign;

/// <summary>How a benign client's images vary from the evaluation set: small shifts, lighting, sensor noise.</summary>
public sealed record BenignAugmentationOptions
{
    /// <summary>Largest integer shift, in pixels, along each axis (uniform in ±MaxShift).</summary>
    public int MaxShift { get; init; } = 2;

    public double MinBrightness { get; init; } = 0.8;

    public double MaxBrightness { get; init; } = 1.2;

    /// <summary>σ of the additive Gaussian noise.</summary>
    public double NoiseSigma { get; init; } = 0.02;

    public void Validate()
    {
        if (MaxShift < 0)
        {
            throw new ArgumentException("Benign MaxShift must not be negative.", nameof(MaxShift));
        }

        if (!(MinBrightness > 0 && MinBrightness <= MaxBrightness && double.IsFinite(MaxBrightness)))
        {
            throw new ArgumentException("Benign brightness range must satisfy 0 < MinBrightness ≤ MaxBrightness.", nameof(MinBrightness));
        }

        if (!(NoiseSigma >= 0 && double.IsFinite(NoiseSigma)))
        {
            throw new ArgumentException("Benign NoiseSigma must be a non-negative number.", nameof(NoiseSigma));
        }
    }
}
