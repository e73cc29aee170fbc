using System.Security.Cryptography;
using System.Text;

namespace Guard.Guards.QueryPatterns;

/// <summary>
/// Parameters of the Blacklight-style query fingerprint (Li et al., USENIX Security 2022). Query-based black-box attacks
/// (HopSkipJump, Square, boundary attacks…) send thousands of near-identical inputs; quantizing, hashing overlapping
/// windows and keeping the S largest hashes gives a fingerprint that survives those small perturbations, so two queries
/// sharing at least <see cref="Threshold"/> hashes are very likely one attack's steps.
/// </summary>
/// <remarks>
/// Defaults follow the paper's small-image settings (window 50, stride 1, step 50 on a 0–255 scale, top 50) with the
/// uninformative-window mitigation on, which is what brings the benign false-positive rate on Fashion-MNIST down (see
/// <c>bench/fingerprint</c>). The secret never leaves this object except as derived keys.
/// </remarks>
public sealed record FingerprintOptions
{
    /// <summary>Elements per hashed window. Longer windows are more specific (fewer benign collisions) but a single
    /// perturbed element then changes more windows.</summary>
    public int Window { get; init; } = 50;

    /// <summary>Distance between consecutive window starts. 1 (the paper's value) keeps every window; larger strides trade
    /// robustness for speed on big inputs.</summary>
    public int Stride { get; init; } = 1;

    /// <summary>Quantization bucket width on the <see cref="InputScale"/> scale (paper: 50 on 0–255). Perturbations much
    /// smaller than the step rarely change a bucket, which is what makes attack steps collide.</summary>
    public float QuantizationStep { get; init; } = 50f;

    /// <summary>Multiplier that maps float inputs onto the pixel scale the step is expressed in: 255 for inputs in [0, 1].
    /// Scaled values are clamped to [0, InputScale]. Byte inputs are taken as already on a 0–255 scale.</summary>
    public float InputScale { get; init; } = 255f;

    /// <summary>How many of the largest distinct window hashes form the fingerprint (paper: 50).</summary>
    public int TopS { get; init; } = 50;

    /// <summary>Minimum number of hashes a query must share with one earlier query to be flagged as part of an attack.</summary>
    public int Threshold { get; init; } = 25;

    /// <summary>Adds a secret per-element offset in [0, InputScale) before quantizing (modulo InputScale), as the reference
    /// implementation does, so an attacker cannot tell where the bucket boundaries are. Off only for experiments.</summary>
    public bool SaltQuantization { get; init; } = true;

    /// <summary>
    /// Skips windows whose <em>unsalted</em> quantized values are all equal (flat background, saturated regions). Such
    /// windows carry no information about the query but hash identically for every image with the same background at the
    /// same place, which is what makes benign Fashion-MNIST images match each other. Windows are judged before salting so
    /// the decision does not depend on the secret and a tiny perturbation of a flat area keeps it flat.
    /// </summary>
    public bool SkipUninformativeWindows { get; init; } = true;

    /// <summary>
    /// With <see cref="SkipUninformativeWindows"/>, the number of level changes (adjacent elements in different unsalted
    /// buckets) a window needs to be hashed. 1 skips only windows that sit entirely in one bucket; higher values also skip
    /// windows that are mostly background with a sliver of object, which are still common across benign images.
    /// </summary>
    public int MinLevelChanges { get; init; } = 1;

    /// <summary>Deployment secret; SHA-256 of its UTF-8 bytes gives the 16-byte window-hash key and the 16-byte salt key.
    /// Different deployments get unrelated fingerprints, so attackers cannot precompute collisions offline.</summary>
    public string Secret { get; init; } = "";

    /// <summary>Checks the parameters and throws <see cref="ArgumentException"/> naming the first bad one.</summary>
    public void Validate()
    {
        if (Window < 1)
        {
            throw new ArgumentException($"Window must be at least 1 (got {Window}).", nameof(Window));
        }

        if (Stride < 1)
        {
            throw new ArgumentException($"Stride must be at least 1 (got {Stride}).", nameof(Stride));
        }

        if (!float.IsFinite(InputScale) || InputScale <= 0)
        {
            throw new ArgumentException($"InputScale must be a positive finite number (got {InputScale}).", nameof(InputScale));
        }

        // Levels are stored in bytes: at most 255 buckets over the scale.
        if (!float.IsFinite(QuantizationStep) || QuantizationStep <= 0 || InputScale / QuantizationStep > 255f)
        {
            throw new ArgumentException($"QuantizationStep must be positive and at least InputScale/255 (got {QuantizationStep}).", nameof(QuantizationStep));
        }

        if (TopS < 1)
        {
            throw new ArgumentException($"TopS must be at least 1 (got {TopS}).", nameof(TopS));
        }

        if (Threshold < 1 || Threshold > TopS)
        {
            throw new ArgumentException($"Threshold must be in 1..TopS (got {Threshold}).", nameof(Threshold));
        }

        if (MinLevelChanges < 1 || MinLevelChanges > Math.Max(1, Window - 1))
        {
            throw new ArgumentException($"MinLevelChanges must be in 1..Window-1 (got {MinLevelChanges}).", nameof(MinLevelChanges));
        }

        if (string.IsNullOrEmpty(Secret))
        {
            throw new ArgumentException("Secret must be set: without it fingerprints are predictable.", nameof(Secret));
        }
    }

    /// <summary>SHA-256 of the secret: bytes 0–15 key the window hash, bytes 16–31 key the salt.</summary>
    internal byte[] DeriveKeyMaterial() => SHA256.HashData(Encoding.UTF8.GetBytes(Secret));
}
