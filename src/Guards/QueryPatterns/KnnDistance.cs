using System.Numerics;

namespace Guard.Guards.QueryPatterns;

/// <summary>Squared L2 distance between two quantized embeddings, in levels², exact in integers and vectorised.</summary>
public static class KnnDistance
{
    /// <summary>Σ (a[i] − b[i])². Exact for up to 33,000 dimensions (255²·D fits an int).</summary>
    public static int SquaredLevels(ReadOnlySpan<byte> a, ReadOnlySpan<byte> b)
    {
        if (a.Length != b.Length)
        {
            throw new ArgumentException("Embeddings of different sizes have no distance.", nameof(b));
        }

        var i = 0;
        var sum = 0;
        if (Vector.IsHardwareAccelerated && a.Length >= Vector<byte>.Count)
        {
            // Widen bytes to 16 bits, subtract (|d| ≤ 255), widen to 32 bits, square and accumulate per lane.
            var acc = Vector<int>.Zero;
            for (; i <= a.Length - Vector<byte>.Count; i += Vector<byte>.Count)
            {
                Vector.Widen(new Vector<byte>(a[i..]), out var aLow, out var aHigh);
                Vector.Widen(new Vector<byte>(b[i..]), out var bLow, out var bHigh);
                Vector.Widen(Vector.AsVectorInt16(aLow) - Vector.AsVectorInt16(bLow), out var d0, out var d1);
                Vector.Widen(Vector.AsVectorInt16(aHigh) - Vector.AsVectorInt16(bHigh), out var d2, out var d3);
                acc += (d0 * d0) + (d1 * d1) + (d2 * d2) + (d3 * d3);
            }

            sum = Vector.Sum(acc);
        }

        for (; i < a.Length; i++)
        {
            var d = a[i] - b[i];
            sum += d * d;
        }

        return sum;
    }
}
