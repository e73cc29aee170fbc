namespace Guard.Protocol;

/// <summary>
/// Counts the elements of each repeated field of an <c>inference.InferTensorContents</c> message,
/// accepting both packed and unpacked encodings, without decoding the values.
/// </summary>
internal static class TypedContentsReader
{
    /// <summary>Number of repeated fields in InferTensorContents (field numbers 1..8).</summary>
    public const int FieldCount = 8;

    private const uint Varint = (uint)WireType.Varint;
    private const uint Packed = (uint)WireType.LengthDelimited;
    private const uint Fixed32 = (uint)WireType.Fixed32;
    private const uint Fixed64 = (uint)WireType.Fixed64;

    /// <summary>Adds the element counts of one contents message to <paramref name="counts"/> (index = field number - 1).</summary>
    public static void Accumulate(ReadOnlySpan<byte> buffer, WireSegment contents, Span<int> counts, string messageName)
    {
        var reader = new WireReader(buffer, contents, messageName);
        while (reader.HasMore)
        {
            uint tag = reader.ReadTag();
            int field = (int)(tag >> 3);
            switch (tag)
            {
                // bool, int32, int64, uint32, uint64: varints.
                case (1 << 3) | Varint:
                case (2 << 3) | Varint:
                case (3 << 3) | Varint:
                case (4 << 3) | Varint:
                case (5 << 3) | Varint:
                    reader.ReadVarint();
                    counts[field - 1]++;
                    break;
                case (1 << 3) | Packed:
                case (2 << 3) | Packed:
                case (3 << 3) | Packed:
                case (4 << 3) | Packed:
                case (5 << 3) | Packed:
                    counts[field - 1] += reader.CountPackedVarints(reader.ReadSegment());
                    break;
                case (6 << 3) | Fixed32:
                    reader.SkipFixed32();
                    counts[field - 1]++;
                    break;
                case (6 << 3) | Packed:
                    counts[field - 1] += reader.CountPackedFixed(reader.ReadSegment(), sizeof(float));
                    break;
                case (7 << 3) | Fixed64:
                    reader.SkipFixed64();
                    counts[field - 1]++;
                    break;
                case (7 << 3) | Packed:
                    counts[field - 1] += reader.CountPackedFixed(reader.ReadSegment(), sizeof(double));
                    break;
                case (8 << 3) | Packed:
                    reader.ReadSegment();
                    counts[field - 1]++;
                    break;
                default:
                    reader.SkipField(tag);
                    break;
            }
        }
    }
}
