using System.Numerics;
using System.Runtime.InteropServices;

namespace Guard.Guards.Validation;

/// <summary>
/// Finds the first element of a floating-point tensor that breaks the <see cref="ValueBounds"/>.
/// FP32 and FP64 are checked a SIMD vector at a time; the vector that holds a violation is
/// rescanned element by element to name its index. Values are little-endian, as the protocol
/// specifies and every platform .NET runs this proxy on stores them.
/// </summary>
internal static class FloatingPointScanner
{
    public static int FindFirstViolation(ReadOnlySpan<float> values, in ValueBounds bounds)
    {
        int i = 0;
        if (Vector.IsHardwareAccelerated && values.Length >= Vector<float>.Count)
        {
            var min = new Vector<float>(bounds.MinSingle);
            var max = new Vector<float>(bounds.MaxSingle);
            var exponent = new Vector<int>(0x7F80_0000);
            ref float first = ref MemoryMarshal.GetReference(values);
            for (int last = values.Length - Vector<float>.Count; i <= last; i += Vector<float>.Count)
            {
                var x = Vector.LoadUnsafe(ref first, (nuint)i);
                var bad = Vector<int>.Zero;
                if (bounds.RejectNonFinite)
                {
                    // All exponent bits set: infinity or NaN.
                    bad |= Vector.Equals(Vector.AsVectorInt32(x) & exponent, exponent);
                }

                if (bounds.HasRange)
                {
                    bad |= ~(Vector.GreaterThanOrEqual(x, min) & Vector.LessThanOrEqual(x, max));
                }

                if (bad != Vector<int>.Zero)
                {
                    break;
                }
            }
        }

        for (; i < values.Length; i++)
        {
            if (bounds.IsViolation(values[i]))
            {
                return i;
            }
        }

        return -1;
    }

    public static int FindFirstViolation(ReadOnlySpan<double> values, in ValueBounds bounds)
    {
        int i = 0;
        if (Vector.IsHardwareAccelerated && values.Length >= Vector<double>.Count)
        {
            var min = new Vector<double>(bounds.MinDouble);
            var max = new Vector<double>(bounds.MaxDouble);
            var exponent = new Vector<long>(0x7FF0_0000_0000_0000);
            ref double first = ref MemoryMarshal.GetReference(values);
            for (int last = values.Length - Vector<double>.Count; i <= last; i += Vector<double>.Count)
            {
                var x = Vector.LoadUnsafe(ref first, (nuint)i);
                var bad = Vector<long>.Zero;
                if (bounds.RejectNonFinite)
                {
                    bad |= Vector.Equals(Vector.AsVectorInt64(x) & exponent, exponent);
                }

                if (bounds.HasRange)
                {
                    bad |= ~(Vector.GreaterThanOrEqual(x, min) & Vector.LessThanOrEqual(x, max));
                }

                if (bad != Vector<long>.Zero)
                {
                    break;
                }
            }
        }

        for (; i < values.Length; i++)
        {
            if (bounds.IsViolation(values[i]))
            {
                return i;
            }
        }

        return -1;
    }

    /// <summary>FP16: each value widens exactly to float.</summary>
    public static int FindFirstViolation(ReadOnlySpan<Half> values, in ValueBounds bounds)
    {
        for (int i = 0; i < values.Length; i++)
        {
            if (bounds.IsViolation((float)values[i]))
            {
                return i;
            }
        }

        return -1;
    }

    /// <summary>BF16, given as its bit patterns: the upper half of a float.</summary>
    public static int FindFirstBFloat16Violation(ReadOnlySpan<ushort> bits, in ValueBounds bounds)
    {
        for (int i = 0; i < bits.Length; i++)
        {
            if (bounds.IsViolation(BFloat16ToSingle(bits[i])))
            {
                return i;
            }
        }

        return -1;
    }

    public static float BFloat16ToSingle(ushort bits) => BitConverter.Int32BitsToSingle(bits << 16);
}
