namespace Guard.RedTeam.Attacks;

/// <summary>One unit direction of an orthonormal basis: a single pixel, or a dense vector (a DCT component).</summary>
internal readonly record struct BasisDirection(int Pixel, double[]? Vector)
{
    public static BasisDirection OfPixel(int pixel) => new(pixel, null);

    public static BasisDirection OfVector(double[] vector) => new(-1, vector);

    /// <summary>candidate = clip(current + α·q) to [0, 1]; false when clipping leaves it unchanged (no query worth sending).</summary>
    public bool Step(float[] current, double alpha, float[] candidate)
    {
        current.CopyTo(candidate, 0);
        if (Vector is null)
        {
            candidate[Pixel] = VectorMath.Clip01(current[Pixel] + alpha);
            return candidate[Pixel] != current[Pixel];
        }

        var changed = false;
        for (var i = 0; i < candidate.Length; i++)
        {
            candidate[i] = VectorMath.Clip01(current[i] + (alpha * Vector[i]));
            changed |= candidate[i] != current[i];
        }

        return changed;
    }
}
