using Google.Protobuf;

namespace Guard.Rpc;

/// <summary>Turns messages into payload bytes and back. A message arrives as one contiguous buffer.</summary>
public sealed class Marshaller<T>(Func<T, ReadOnlyMemory<byte>> serialize, Func<ReadOnlyMemory<byte>, T> deserialize, bool retainsPayload = false)
{
    public Func<T, ReadOnlyMemory<byte>> Serialize { get; } = serialize;

    public Func<ReadOnlyMemory<byte>, T> Deserialize { get; } = deserialize;

    /// <summary>
    /// True when a deserialized message still points into the payload (raw bytes), so the payload's buffer must
    /// outlive the message; false when deserializing copies (protobuf), so the buffer can be reused at once.
    /// </summary>
    public bool RetainsPayload { get; } = retainsPayload;
}

public static class Marshallers
{
    /// <summary>Bytes as they are: the proxy forwards payloads without parsing them.</summary>
    public static Marshaller<ReadOnlyMemory<byte>> Raw { get; } = new(static m => m, static m => m, retainsPayload: true);

    public static Marshaller<T> Protobuf<T>(MessageParser<T> parser)
        where T : IMessage<T> =>
        new(static m => m.ToByteArray(), payload => ParseProtobuf(parser, payload));

    private static T ParseProtobuf<T>(MessageParser<T> parser, ReadOnlyMemory<byte> payload)
        where T : IMessage<T>
    {
        try
        {
            return parser.ParseFrom(payload.Span);
        }
        catch (InvalidProtocolBufferException ex)
        {
            throw new RpcException(StatusCode.Internal, $"Failed to deserialize {typeof(T).Name}: {ex.Message}");
        }
    }
}
