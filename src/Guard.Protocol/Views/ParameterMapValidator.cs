namespace Guard.Protocol;

/// <summary>
/// Checks one entry of a <c>map&lt;string, InferParameter&gt;</c> field for well-formedness without
/// materializing it, so that a request the view accepts is one a full protobuf parse accepts too.
/// </summary>
internal static class ParameterMapValidator
{
    private const uint KeyTag = (1 << 3) | (uint)WireType.LengthDelimited;
    private const uint ValueTag = (2 << 3) | (uint)WireType.LengthDelimited;

    private const uint StringParamTag = (3 << 3) | (uint)WireType.LengthDelimited;

    public static void ValidateEntry(ReadOnlySpan<byte> buffer, WireSegment entry, string messageName)
    {
        var reader = new WireReader(buffer, entry, messageName);
        while (reader.HasMore)
        {
            uint tag = reader.ReadTag();
            switch (tag)
            {
                case KeyTag:
                    reader.SkipString();
                    break;
                case ValueTag:
                    ValidateParameter(buffer, reader.ReadSegment(), messageName);
                    break;
                default:
                    reader.SkipField(tag);
                    break;
            }
        }
    }

    private static void ValidateParameter(ReadOnlySpan<byte> buffer, WireSegment parameter, string messageName)
    {
        // bool_param, int64_param, double_param and uint64_param are checked by the skip for their wire type;
        // only string_param has content rules of its own.
        var reader = new WireReader(buffer, parameter, messageName);
        while (reader.HasMore)
        {
            uint tag = reader.ReadTag();
            if (tag == StringParamTag)
            {
                reader.SkipString();
            }
            else
            {
                reader.SkipField(tag);
            }
        }
    }
}
