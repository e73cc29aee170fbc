using System.Globalization;

namespace Guard.Protocol;

/// <summary>Reads one <c>ModelInferRequest.InferInputTensor</c> into an <see cref="InferInputView"/>.</summary>
internal static class InferInputParser
{
    private const uint NameTag = (1 << 3) | (uint)WireType.LengthDelimited;
    private const uint DatatypeTag = (2 << 3) | (uint)WireType.LengthDelimited;
    private const uint ShapeTag = (3 << 3) | (uint)WireType.Varint;
    private const uint PackedShapeTag = (3 << 3) | (uint)WireType.LengthDelimited;
    private const uint ParametersTag = (4 << 3) | (uint)WireType.LengthDelimited;
    private const uint ContentsTag = (5 << 3) | (uint)WireType.LengthDelimited;

    public static InferInputView Parse(ReadOnlySpan<byte> buffer, WireSegment segment, int index, string messageName)
    {
        var reader = new WireReader(buffer, segment, messageName);
        string name = string.Empty;
        string datatype = string.Empty;
        // The rank is capped, so the dimensions fit on the stack and the only allocation is the exact-size result.
        Span<long> dims = stackalloc long[InferRequestView.MaxShapeRank];
        int rank = 0;
        Span<int> counts = stackalloc int[TypedContentsReader.FieldCount];
        bool hasContents = false;
        int contentsBytes = 0;

        while (reader.HasMore)
        {
            uint tag = reader.ReadTag();
            switch (tag)
            {
                case NameTag:
                    name = reader.ReadString();
                    break;
                case DatatypeTag:
                    datatype = reader.ReadString();
                    break;
                case ShapeTag:
                    AppendDimension(ref reader, dims, ref rank, index);
                    break;
                case PackedShapeTag:
                    var packed = new WireReader(buffer, reader.ReadSegment(), messageName);
                    while (packed.HasMore)
                    {
                        AppendDimension(ref packed, dims, ref rank, index);
                    }

                    break;
                case ParametersTag:
                    ParameterMapValidator.ValidateEntry(buffer, reader.ReadSegment(), messageName);
                    break;
                case ContentsTag:
                    // A repeated occurrence of a message field merges into the first one, as in protobuf.
                    var contents = reader.ReadSegment();
                    TypedContentsReader.Accumulate(buffer, contents, counts, messageName);
                    hasContents = true;
                    contentsBytes += contents.Length;
                    break;
                default:
                    reader.SkipField(tag);
                    break;
            }
        }

        var shape = rank == 0 ? [] : dims[..rank].ToArray();
        return new InferInputView(index, name, datatype, shape, TypedContentsSummary.FromCounts(hasContents, counts, contentsBytes));
    }

    private static void AppendDimension(ref WireReader reader, scoped Span<long> dims, ref int rank, int index)
    {
        int offset = reader.Position;
        long dim = (long)reader.ReadVarint();
        if (rank == dims.Length)
        {
            reader.ThrowMalformed(string.Create(CultureInfo.InvariantCulture, $"input {index} has more than {InferRequestView.MaxShapeRank} dimensions (offset {offset})"));
        }

        dims[rank++] = dim;
    }
}
