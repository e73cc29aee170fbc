namespace Guard.Guards.Smoothing;

/// <summary>What a smoothed prediction or certificate established, each at confidence 1 − α.</summary>
public enum SmoothingDecision
{
    /// <summary>No class could be established: PREDICT's binomial test failed, or CERTIFY's p_A lower bound is below ½
    /// (the paper's ABSTAIN).</summary>
    Abstain,

    /// <summary>PREDICT: the class returned is g(x), the smoothed classifier's prediction (no radius).</summary>
    Predicted,

    /// <summary>CERTIFY: g(x) is the class returned and is constant within an L2 ball of radius ≥ r_min.</summary>
    CertifiedAtMinRadius,

    /// <summary>CERTIFY: the class is certified, but only within a radius smaller than r_min (adaptive: r_min was proved
    /// out of reach, or the samples ran out).</summary>
    BelowMinRadius,
}
