using Guard.RedTeam.Attacks;

namespace Guard.RedTeam.Data;

/// <summary>Images (values in [0, 1], one after another in CHW order) with their labels when the source has them.</summary>
public sealed class ImageSet
{
    private readonly float[] _pixels;

    public ImageSet(float[] pixels, byte[]? labels, ImageShape shape)
    {
        ArgumentNullException.ThrowIfNull(pixels);
        if (shape.Length == 0 || pixels.Length % shape.Length != 0)
        {
            throw new ArgumentException($"{pixels.Length} values are not a whole number of {shape} images.", nameof(pixels));
        }

        if (labels is not null && labels.Length != pixels.Length / shape.Length)
        {
            throw new ArgumentException($"{labels.Length} labels for {pixels.Length / shape.Length} images.", nameof(labels));
        }

        _pixels = pixels;
        Labels = labels;
        Shape = shape;
    }

    public ImageShape Shape { get; }

    public int Count => _pixels.Length / Shape.Length;

    public IReadOnlyList<byte>? Labels { get; }

    public bool HasLabels => Labels is not null;

    /// <summary>A copy of image <paramref name="index"/>.</summary>
    public float[] Image(int index) => _pixels.AsSpan(index * Shape.Length, Shape.Length).ToArray();

    public int Label(int index) => Labels is { } labels ? labels[index] : throw new InvalidOperationException("This image set has no labels.");
}
