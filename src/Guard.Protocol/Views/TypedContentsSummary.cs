namespace Guard.Protocol;

/// <summary>What <see cref="InferInputParser"/> learned about an input's typed contents.</summary>
internal readonly record struct TypedContentsSummary(bool Present, int Count, string? Field, bool Mixed, int ByteLength)
{
    public static TypedContentsSummary FromCounts(bool present, ReadOnlySpan<int> counts, int byteLength)
    {
        int total = 0;
        int fieldsWithElements = 0;
        string? field = null;
        for (int i = 0; i < counts.Length; i++)
        {
            if (counts[i] == 0)
            {
                continue;
            }

            total += counts[i];
            fieldsWithElements++;
            field = TensorContentsFields.FromFieldNumber(i + 1);
        }

        bool mixed = fieldsWithElements > 1;
        return new TypedContentsSummary(present, total, mixed ? null : field, mixed, byteLength);
    }
}
