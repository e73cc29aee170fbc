using System.Globalization;

namespace Guard.RedTeam.Attacks;

public enum PerturbationNorm
{
    /// <summary>Any misclassified image counts.</summary>
    None,

    L2,

    LInf,
}

/// <summary>The threat model: how far from the original a misclassified image may be and still count as a success.</summary>
public readonly record struct PerturbationConstraint(PerturbationNorm Norm, double Epsilon)
{
    // float32 clipping can overshoot ε by an ulp or two.
    private const double Tolerance = 1e-5;

    public static readonly PerturbationConstraint Unbounded = new(PerturbationNorm.None, double.PositiveInfinity);

    public static PerturbationConstraint L2(double epsilon) => new(PerturbationNorm.L2, epsilon);

    public static PerturbationConstraint LInf(double epsilon) => new(PerturbationNorm.LInf, epsilon);

    public bool Allows(ReadOnlySpan<float> original, ReadOnlySpan<float> candidate) => Norm switch
    {
        PerturbationNorm.L2 => VectorMath.L2Distance(original, candidate) <= Epsilon + Tolerance,
        PerturbationNorm.LInf => VectorMath.LInfDistance(original, candidate) <= Epsilon + Tolerance,
        _ => true,
    };

    public override string ToString() => Norm switch
    {
        PerturbationNorm.L2 => string.Create(CultureInfo.InvariantCulture, $"L2 <= {Epsilon}"),
        PerturbationNorm.LInf => string.Create(CultureInfo.InvariantCulture, $"Linf <= {Epsilon}"),
        _ => "unbounded",
    };
}
