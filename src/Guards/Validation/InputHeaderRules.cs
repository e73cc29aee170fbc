using System.Globalization;
using Guard.Guards.Model;
using Guard.Protocol;

namespace Guard.Guards.Validation;

/// <summary>Checks an input's name, datatype and shape: everything but its data.</summary>
internal static class InputHeaderRules
{
    /// <summary>Returns the block message, or null with the input's datatype and element count.</summary>
    public static string? Check(
        IReadOnlyList<InferInputView> inputs,
        int index,
        RequestValidationOptions options,
        out DataType dataType,
        out long elements)
    {
        var culture = CultureInfo.InvariantCulture;
        var input = inputs[index];
        dataType = DataTypes.Bool;
        elements = 0;

        if (input.Name.Length == 0)
        {
            return string.Create(culture, $"input {index} has an empty name");
        }

        // Quadratic, but over at most MaxInputs names and without allocating.
        for (int j = 0; j < index; j++)
        {
            if (string.Equals(inputs[j].Name, input.Name, StringComparison.Ordinal))
            {
                return $"input '{input.Name}' appears more than once";
            }
        }

        if (!DataTypes.TryGet(input.Datatype, out var known))
        {
            return $"input '{input.Name}': unknown datatype '{input.Datatype}'";
        }

        dataType = known;
        var shape = input.Shape;
        if (shape.Length > options.MaxRank)
        {
            return string.Create(culture, $"input '{input.Name}': rank {shape.Length} exceeds the maximum of {options.MaxRank}");
        }

        for (int d = 0; d < shape.Length; d++)
        {
            if (shape[d] < 0)
            {
                return string.Create(culture, $"input '{input.Name}': shape {ShapeText.Format(shape)} has negative dimension {shape[d]} at index {d}");
            }
        }

        if (!ElementCount.TryCompute(shape, out elements))
        {
            return $"input '{input.Name}': shape {ShapeText.Format(shape)} has too many elements to count";
        }

        if (elements > options.MaxElementsPerTensor)
        {
            return string.Create(culture, $"input '{input.Name}': shape {ShapeText.Format(shape)} has {elements} elements; at most {options.MaxElementsPerTensor} are allowed");
        }

        return null;
    }
}
