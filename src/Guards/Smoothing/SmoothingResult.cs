namespace Guard.Guards.Smoothing;

/// <summary>The outcome of <see cref="SmoothedClassifier.PredictAsync(ReadOnlyMemory{float}, ulong?, CancellationToken)"/>
/// or <see cref="SmoothedClassifier.CertifyAsync(ReadOnlyMemory{float}, ulong?, CancellationToken)"/>.</summary>
/// <param name="Class">The smoothed classifier's class, or −1 when abstaining.</param>
/// <param name="Abstained">True when no class was established (<see cref="SmoothingDecision.Abstain"/>).</param>
/// <param name="Radius">Certified L2 radius σ·Φ⁻¹(p_A lower bound); 0 when abstaining and for PREDICT.</param>
/// <param name="PALower">The lower confidence bound on p_A = P(f(x + ε) = c_A) the radius comes from; 0 for PREDICT.</param>
/// <param name="SamplesUsed">Noisy samples classified: n₀ + estimation samples for CERTIFY, n for PREDICT.</param>
/// <param name="Looks">Times the estimation counts were tested: 1 for the fixed-n procedures.</param>
/// <param name="Decision">What was established.</param>
public sealed record SmoothingResult(
    int Class,
    bool Abstained,
    double Radius,
    double PALower,
    long SamplesUsed,
    int Looks,
    SmoothingDecision Decision)
{
    internal static SmoothingResult Abstain(double pALower, long samplesUsed, int looks) =>
        new(-1, true, 0, pALower, samplesUsed, looks, SmoothingDecision.Abstain);
}
