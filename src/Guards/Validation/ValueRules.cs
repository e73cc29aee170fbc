using System.Runtime.InteropServices;
using Guard.Guards.Model;
using Guard.Guards.Pipeline;
using Guard.Protocol;

namespace Guard.Guards.Validation;

/// <summary>
/// Scans floating-point inputs for values the <see cref="ValueBounds"/> forbid. Raw data is scanned in
/// place; typed FP32/FP64 contents need the full message, which is parsed only when such an input exists.
/// Runs after the content rules, so raw lengths are known to be whole elements.
/// </summary>
internal static class ValueRules
{
    public static string? Check(GuardContext context, in ValueBounds bounds)
    {
        var request = context.Request;
        bool hasRaw = request.RawInputContents.Count > 0;
        for (int i = 0; i < request.Inputs.Count; i++)
        {
            var input = request.Inputs[i];
            if (!DataTypes.TryGet(input.Datatype, out var dataType) || !dataType.IsFloatingPoint)
            {
                continue;
            }

            string? error = hasRaw
                ? CheckRaw(input, dataType, request.RawInputContents[i].Span, bounds)
                : CheckTyped(context, input, dataType, bounds);
            if (error is not null)
            {
                return error;
            }
        }

        return null;
    }

    private static string? CheckRaw(InferInputView input, DataType dataType, ReadOnlySpan<byte> raw, in ValueBounds bounds)
    {
        switch (dataType.Name)
        {
            case "FP32":
            {
                var values = MemoryMarshal.Cast<byte, float>(raw);
                int index = FloatingPointScanner.FindFirstViolation(values, bounds);
                return index < 0 ? null : bounds.Describe(input.Name, index, values[index]);
            }

            case "FP64":
            {
                var values = MemoryMarshal.Cast<byte, double>(raw);
                int index = FloatingPointScanner.FindFirstViolation(values, bounds);
                return index < 0 ? null : bounds.Describe(input.Name, index, values[index]);
            }

            case "FP16":
            {
                var values = MemoryMarshal.Cast<byte, Half>(raw);
                int index = FloatingPointScanner.FindFirstViolation(values, bounds);
                return index < 0 ? null : bounds.Describe(input.Name, index, (double)values[index]);
            }

            case "BF16":
            {
                var bits = MemoryMarshal.Cast<byte, ushort>(raw);
                int index = FloatingPointScanner.FindFirstBFloat16Violation(bits, bounds);
                return index < 0 ? null : bounds.Describe(input.Name, index, FloatingPointScanner.BFloat16ToSingle(bits[index]));
            }

            default:
                return null;
        }
    }

    private static string? CheckTyped(GuardContext context, InferInputView input, DataType dataType, in ValueBounds bounds)
    {
        if (input.TypedContentsCount == 0)
        {
            return null;
        }

        // FP16 and BF16 travel raw only, which the content rules enforce.
        var contents = context.Message.Inputs[input.Index].Contents;
        if (ReferenceEquals(dataType, DataTypes.FP32))
        {
            var values = contents.Fp32Contents;
            for (int i = 0; i < values.Count; i++)
            {
                if (bounds.IsViolation(values[i]))
                {
                    return bounds.Describe(input.Name, i, values[i]);
                }
            }
        }
        else if (ReferenceEquals(dataType, DataTypes.FP64))
        {
            var values = contents.Fp64Contents;
            for (int i = 0; i < values.Count; i++)
            {
                if (bounds.IsViolation(values[i]))
                {
                    return bounds.Describe(input.Name, i, values[i]);
                }
            }
        }

        return null;
    }
}
