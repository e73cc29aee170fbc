using System.Buffers.Binary;

namespace Guard.Admin.Imaging;

/// <summary>
/// The tensor datatypes that can hold pixels, and how one element becomes an 8-bit sample. UINT8 is taken as is.
/// Floating-point inputs (FP16, FP32, FP64) are assumed to be scaled to [0, 1], as the models Guard fronts expect:
/// values outside are clamped (an adversarial input pushed past the range shows as saturated, not wrapped), NaN shows
/// as 0, and v maps to round(255 v). Elements are little-endian, as in KServe v2 raw tensor contents. Every other
/// datatype (integers wider than a byte, BOOL, BYTES) is not treated as an image: its scale is unknown.
/// </summary>
internal sealed class PixelSamples
{
    private static readonly PixelSamples UInt8 = new(1, raw => raw[0]);
    private static readonly PixelSamples Fp16 = new(2, raw => FromUnit((float)BinaryPrimitives.ReadHalfLittleEndian(raw)));
    private static readonly PixelSamples Fp32 = new(4, raw => FromUnit(BinaryPrimitives.ReadSingleLittleEndian(raw)));
    private static readonly PixelSamples Fp64 = new(8, raw => FromUnit(BinaryPrimitives.ReadDoubleLittleEndian(raw)));

    private readonly ToSample _toSample;

    private PixelSamples(int elementSize, ToSample toSample)
    {
        ElementSize = elementSize;
        _toSample = toSample;
    }

    private delegate byte ToSample(ReadOnlySpan<byte> element);

    /// <summary>Bytes per tensor element.</summary>
    public int ElementSize { get; }

    /// <summary>The samples for a KServe v2 datatype name, or null when it cannot be shown as pixels.</summary>
    public static PixelSamples? For(string? datatype) => datatype?.ToUpperInvariant() switch
    {
        "UINT8" => UInt8,
        "FP16" => Fp16,
        "FP32" => Fp32,
        "FP64" => Fp64,
        _ => null,
    };

    /// <summary>The 8-bit sample of element <paramref name="index"/> of <paramref name="raw"/>.</summary>
    public byte Sample(ReadOnlySpan<byte> raw, int index) => _toSample(raw.Slice(index * ElementSize, ElementSize));

    private static byte FromUnit(double value) =>
        double.IsNaN(value) ? (byte)0 : (byte)Math.Round(Math.Clamp(value, 0, 1) * 255, MidpointRounding.AwayFromZero);
}
