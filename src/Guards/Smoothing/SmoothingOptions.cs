using Guard.Guards.Smoothing.Statistics;

namespace Guard.Guards.Smoothing;

/// <summary>
/// Hyper-parameters of randomized smoothing (Cohen, Rosenfeld, Kolter, "Certified Adversarial Robustness via Randomized
/// Smoothing", ICML 2019), named as in the paper's PREDICT and CERTIFY, plus the adaptive-sampling extension.
/// </summary>
public sealed record SmoothingOptions
{
    /// <summary>Noise level σ of N(0, σ²I); must match the σ the base model was trained with (models/fashion_cnn_s025:
    /// 0.25). The certified L2 radius scales with σ.</summary>
    public double Sigma { get; init; } = 0.25;

    /// <summary>Selection samples n₀ of CERTIFY: they only pick the candidate class c_A (paper: 100).</summary>
    public int N0 { get; init; } = 100;

    /// <summary>Estimation samples n of CERTIFY and PREDICT (paper: 100,000; 10,000 here for latency). With
    /// <see cref="Adaptive"/>, the most CERTIFY may use.</summary>
    public int N { get; init; } = 10_000;

    /// <summary>Failure probability α: a certificate (or PREDICT's answer) is wrong with probability at most α.</summary>
    public double Alpha { get; init; } = 0.001;

    /// <summary>r_min: the certified L2 radius a request needs. Adaptive CERTIFY stops as soon as it is proved or ruled
    /// out. 0: only the class itself must be certified (p_A &gt; ½).</summary>
    public double MinRadius { get; init; }

    /// <summary>Noisy copies classified per base-classifier call; with <see cref="Adaptive"/>, also the spacing of the
    /// looks at the data.</summary>
    public int BatchSize { get; init; } = 1_000;

    /// <summary>Sequential CERTIFY: looks after every batch and stops once r_min is certified or unreachable, with the
    /// confidence split over the looks (union bound). Off: exactly the paper's CERTIFY.</summary>
    public bool Adaptive { get; init; } = true;

    /// <summary>Seed of the noise: the same seed and input give the same answer (tests, audits). Null: a fresh
    /// cryptographically random seed per request, so clients cannot predict the noise.</summary>
    public ulong? Seed { get; init; }

    /// <summary>Looks of adaptive CERTIFY: T = ⌈N / BatchSize⌉ (0 while N or BatchSize is invalid).</summary>
    public int MaxLooks => N < 1 || BatchSize < 1 ? 0 : SequentialBound.LookCount(N, BatchSize);

    /// <summary>Checks the parameters and throws <see cref="ArgumentException"/> naming the first bad one.</summary>
    public void Validate()
    {
        if (!double.IsFinite(Sigma) || Sigma <= 0)
        {
            throw new ArgumentException($"Sigma must be a positive finite number (got {Sigma}).", nameof(Sigma));
        }
        if (N0 < 1)
        {
            throw new ArgumentException($"N0 must be at least 1 (got {N0}).", nameof(N0));
        }
        if (N < 1)
        {
            throw new ArgumentException($"N must be at least 1 (got {N}).", nameof(N));
        }
        if (!(Alpha > 0 && Alpha < 1))
        {
            throw new ArgumentException($"Alpha must lie strictly between 0 and 1 (got {Alpha}).", nameof(Alpha));
        }
        if (!double.IsFinite(MinRadius) || MinRadius < 0)
        {
            throw new ArgumentException($"MinRadius must be a non-negative finite number (got {MinRadius}).", nameof(MinRadius));
        }
        if (BatchSize < 1)
        {
            throw new ArgumentException($"BatchSize must be at least 1 (got {BatchSize}).", nameof(BatchSize));
        }
    }
}
