namespace Guard.Protocol;

/// <summary>Reads the name of one <c>ModelInferRequest.InferRequestedOutputTensor</c>, validating its parameters.</summary>
internal static class RequestedOutputParser
{
    private const uint NameTag = (1 << 3) | (uint)WireType.LengthDelimited;
    private const uint ParametersTag = (2 << 3) | (uint)WireType.LengthDelimited;

    public static string ParseName(ReadOnlySpan<byte> buffer, WireSegment segment, string messageName)
    {
        var reader = new WireReader(buffer, segment, messageName);
        string name = string.Empty;
        while (reader.HasMore)
        {
            uint tag = reader.ReadTag();
            switch (tag)
            {
                case NameTag:
                    name = reader.ReadString();
                    break;
                case ParametersTag:
                    ParameterMapValidator.ValidateEntry(buffer, reader.ReadSegment(), messageName);
                    break;
                default:
                    reader.SkipField(tag);
                    break;
            }
        }

        return name;
    }
}
