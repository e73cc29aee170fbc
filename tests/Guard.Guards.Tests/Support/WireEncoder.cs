namespace Guard.Guards.Tests.Support;

/// <summary>
/// A hand-rolled protobuf encoder, independent of Google.Protobuf, so tests can produce encodings
/// the library never writes (unpacked repeated fields, split messages, unknown fields, hostile lengths).
/// </summary>
internal sealed class WireEncoder
{
    public const int Varint = 0;
    public const int Fixed64 = 1;
    public const int LengthDelimited = 2;
    public const int StartGroup = 3;
    public const int EndGroup = 4;
    public const int Fixed32 = 5;

    private readonly List<byte> _bytes = [];

    public int Length => _bytes.Count;

    public WireEncoder Tag(int field, int wireType) => RawVarint(((ulong)(uint)field << 3) | (uint)wireType);

    public WireEncoder RawVarint(ulong value)
    {
        while (value >= 0x80)
        {
            _bytes.Add((byte)(value | 0x80));
            value >>= 7;
        }

        _bytes.Add((byte)value);
        return this;
    }

    public WireEncoder RawBytes(ReadOnlySpan<byte> bytes)
    {
        foreach (byte b in bytes)
        {
            _bytes.Add(b);
        }

        return this;
    }

    public WireEncoder RawFixed32(uint value) => RawBytes(BitConverter.GetBytes(value));

    public WireEncoder RawFixed64(ulong value) => RawBytes(BitConverter.GetBytes(value));

    public WireEncoder VarintField(int field, ulong value) => Tag(field, Varint).RawVarint(value);

    public WireEncoder Fixed32Field(int field, uint value) => Tag(field, Fixed32).RawFixed32(value);

    public WireEncoder Fixed64Field(int field, ulong value) => Tag(field, Fixed64).RawFixed64(value);

    public WireEncoder BytesField(int field, ReadOnlySpan<byte> payload) =>
        Tag(field, LengthDelimited).RawVarint((ulong)payload.Length).RawBytes(payload);

    public WireEncoder StringField(int field, string value) => BytesField(field, System.Text.Encoding.UTF8.GetBytes(value));

    public WireEncoder MessageField(int field, WireEncoder message) => BytesField(field, message.ToArray());

    public byte[] ToArray() => [.. _bytes];
}
