using System.Globalization;
using Guard.Guards.Model;
using Guard.Protocol;

namespace Guard.Guards.Validation;

/// <summary>Checks that an input carries exactly the data its datatype and shape call for, raw or typed.</summary>
internal static class ContentRules
{
    /// <summary>Returns the block message, or null with the bytes of tensor data the input carries.</summary>
    public static string? Check(
        InferInputView input,
        DataType dataType,
        long elements,
        bool hasRaw,
        ReadOnlySpan<byte> raw,
        out long bytes)
    {
        bytes = 0;
        return hasRaw
            ? CheckRaw(input, dataType, elements, raw, out bytes)
            : CheckTyped(input, dataType, elements, out bytes);
    }

    private static string? CheckRaw(InferInputView input, DataType dataType, long elements, ReadOnlySpan<byte> raw, out long bytes)
    {
        bytes = raw.Length;
        if (input.HasTypedContents)
        {
            return $"input '{input.Name}': has both raw_input_contents and typed contents";
        }

        if (dataType.IsVariableSize)
        {
            return BytesContentRules.Check(input, raw, elements);
        }

        // Int128: elements times the element size may not fit in a long.
        Int128 expected = (Int128)elements * dataType.ElementSize;
        return raw.Length == expected
            ? null
            : string.Create(CultureInfo.InvariantCulture, $"input '{input.Name}': raw content is {raw.Length} bytes but shape {ShapeText.Format(input.Shape)} of {dataType.Name} needs {expected}");
    }

    private static string? CheckTyped(InferInputView input, DataType dataType, long elements, out long bytes)
    {
        bytes = 0;
        if (elements == 0 && !input.HasTypedContents)
        {
            // An empty tensor has no data to send.
            return null;
        }

        if (dataType.ContentsField is null)
        {
            return $"input '{input.Name}': {dataType.Name} data must be sent in raw_input_contents";
        }

        if (!input.HasTypedContents)
        {
            return $"input '{input.Name}': has neither raw_input_contents nor typed contents";
        }

        if (input.HasMixedTypedContents)
        {
            return $"input '{input.Name}': typed contents set more than one field";
        }

        if (input.TypedContentsField is not null && !string.Equals(input.TypedContentsField, dataType.ContentsField, StringComparison.Ordinal))
        {
            return $"input '{input.Name}': typed contents use {input.TypedContentsField} but {dataType.Name} needs {dataType.ContentsField}";
        }

        if (input.TypedContentsCount != elements)
        {
            return string.Create(CultureInfo.InvariantCulture, $"input '{input.Name}': typed contents have {input.TypedContentsCount} elements but shape {ShapeText.Format(input.Shape)} needs {elements}");
        }

        // BYTES elements vary in size: their serialized size bounds them.
        bytes = dataType.IsVariableSize ? input.TypedContentsByteLength : elements * dataType.ElementSize;
        return null;
    }
}
