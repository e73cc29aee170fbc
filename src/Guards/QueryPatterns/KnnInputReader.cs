using System.Buffers;
using System.Numerics;
using System.Runtime.InteropServices;
using Guard.Guards.Pipeline;

namespace Guard.Guards.QueryPatterns;

/// <summary>
/// The request's first input as floats, read as the fingerprint stage reads it: raw FP32, FP16 or UINT8 contents
/// (UINT8 as value/255), or FP32 typed contents. The values land in a pooled array the caller returns.
/// </summary>
internal static class KnnInputReader
{
    /// <summary>The values (in a rented array: return it) and their count, or the reason the input cannot be read.</summary>
    public static bool TryRead(GuardContext context, out float[] values, out int count, out string reason)
    {
        values = [];
        count = 0;
        var input = context.Request.Inputs[0];
        var raw = context.Request.RawInputContents;
        if (raw.Count > 0)
        {
            var bytes = raw[0].Span;
            var size = input.Datatype switch
            {
                "FP32" => sizeof(float),
                "FP16" => 2,
                "UINT8" => 1,
                _ => 0,
            };
            if (size == 0)
            {
                reason = $"Inputs of {input.Datatype} are not embedded.";
                return false;
            }

            if (bytes.IsEmpty || bytes.Length % size != 0)
            {
                reason = $"The raw contents ({bytes.Length} bytes) are not whole {input.Datatype} elements.";
                return false;
            }

            count = bytes.Length / size;
            values = ArrayPool<float>.Shared.Rent(count);
            var span = values.AsSpan(0, count);
            switch (size)
            {
                case sizeof(float):
                    MemoryMarshal.Cast<byte, float>(bytes).CopyTo(span);
                    break;
                case 2:
                    var halves = MemoryMarshal.Cast<byte, Half>(bytes);
                    for (var i = 0; i < count; i++)
                    {
                        span[i] = (float)halves[i];
                    }

                    break;
                default:
                    for (var i = 0; i < count; i++)
                    {
                        span[i] = bytes[i] / 255f;
                    }

                    break;
            }
        }
        else
        {
            var contents = context.Message.Inputs[0].Contents;
            if (input.Datatype != "FP32" || contents is null || contents.Fp32Contents.Count == 0)
            {
                reason = "Only FP32 typed contents are embedded.";
                return false;
            }

            count = contents.Fp32Contents.Count;
            values = ArrayPool<float>.Shared.Rent(count);
            contents.Fp32Contents.CopyTo(values, 0);
        }

        if (!AllFinite(values.AsSpan(0, count)))
        {
            ArrayPool<float>.Shared.Return(values);
            values = [];
            count = 0;
            reason = "The input holds NaN or infinite values.";
            return false;
        }

        reason = string.Empty;
        return true;
    }

    private static bool AllFinite(ReadOnlySpan<float> values)
    {
        // x − x is 0 for finite x and NaN for NaN and ±∞, so one comparison per lane checks both.
        var i = 0;
        if (Vector.IsHardwareAccelerated)
        {
            for (; i <= values.Length - Vector<float>.Count; i += Vector<float>.Count)
            {
                var v = new Vector<float>(values[i..]);
                if (!Vector.EqualsAll(v - v, Vector<float>.Zero))
                {
                    return false;
                }
            }
        }

        for (; i < values.Length; i++)
        {
            if (!float.IsFinite(values[i]))
            {
                return false;
            }
        }

        return true;
    }
}
