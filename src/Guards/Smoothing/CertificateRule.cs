using Guard.Guards.Smoothing.Statistics;

namespace Guard.Guards.Smoothing;

/// <summary>
/// Turns bounds on p_A into radii and decisions. Cohen et al. (ICML 2019), Theorem 1: if P(f(x + ε) = c_A) ≥ p_A &gt; ½
/// with ε ~ N(0, σ²I), the smoothed classifier returns c_A everywhere within the L2 radius σ·Φ⁻¹(p_A).
/// </summary>
internal sealed class CertificateRule(double sigma, double minRadius)
{
    /// <summary>The certified radius σ·Φ⁻¹(p) for p ≥ ½ (0 at ½), 0 below; the paper abstains below ½.</summary>
    public double RadiusOf(double pALower) => pALower >= 0.5 ? Math.Max(0, SignedRadius(pALower)) : 0;

    /// <summary>p_A ≥ <paramref name="pALower"/> certifies the class within r_min.</summary>
    public bool Reaches(double pALower) => pALower >= 0.5 && RadiusOf(pALower) >= minRadius;

    /// <summary>
    /// p_A ≤ <paramref name="pAUpper"/> rules r_min out: σ·Φ⁻¹(p_A) &lt; r_min. With r_min = 0 this is exactly p_A &lt; ½,
    /// where not even the class can be certified.
    /// </summary>
    public bool CannotReach(double pAUpper) => SignedRadius(pAUpper) < minRadius;

    /// <summary>The paper's final step: abstain below ½, otherwise the class with its radius, judged against r_min.</summary>
    public SmoothingResult Decide(int candidate, double pALower, long samplesUsed, int looks)
    {
        if (pALower < 0.5)
        {
            return SmoothingResult.Abstain(pALower, samplesUsed, looks);
        }
        var radius = RadiusOf(pALower);
        var decision = radius >= minRadius ? SmoothingDecision.CertifiedAtMinRadius : SmoothingDecision.BelowMinRadius;
        return new SmoothingResult(candidate, false, radius, pALower, samplesUsed, looks, decision);
    }

    private double SignedRadius(double p) => p switch
    {
        <= 0 => double.NegativeInfinity,
        >= 1 => double.PositiveInfinity,
        _ => sigma * StandardNormal.Quantile(p),
    };
}
