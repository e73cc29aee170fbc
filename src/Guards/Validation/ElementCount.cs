namespace Guard.Guards.Validation;

/// <summary>Counts the elements of a shape whose dimensions are already known to be non-negative.</summary>
internal static class ElementCount
{
    /// <summary>The product of the dimensions; false when it does not fit in a long.</summary>
    public static bool TryCompute(ReadOnlySpan<long> shape, out long elements)
    {
        // A zero dimension makes the tensor empty however large the others are.
        if (shape.Contains(0))
        {
            elements = 0;
            return true;
        }

        elements = 1;
        foreach (long dim in shape)
        {
            if (elements > long.MaxValue / dim)
            {
                elements = 0;
                return false;
            }

            elements *= dim;
        }

        return true;
    }
}
