using System.Diagnostics.CodeAnalysis;
using System.Globalization;
using System.Text;
using System.Text.Unicode;

namespace Guard.Protocol;

/// <summary>
/// Forward-only reader of protobuf wire format over one segment of a buffer. Offsets are absolute
/// positions in the whole buffer so that errors point at the offending byte of the top-level message.
/// Every length is checked against the bytes that remain before it is used, so hostile lengths can
/// neither read out of bounds nor drive allocations.
/// </summary>
internal ref struct WireReader
{
    /// <summary>A varint is at most ten bytes (64 bits in 7-bit groups).</summary>
    private const int MaxVarintLength = 10;

    private readonly ReadOnlySpan<byte> _buffer;
    private readonly int _end;
    private readonly string _messageName;
    private int _position;

    public WireReader(ReadOnlySpan<byte> buffer, WireSegment segment, string messageName)
    {
        _buffer = buffer;
        _position = segment.Offset;
        _end = segment.End;
        _messageName = messageName;
    }

    public readonly bool HasMore => _position < _end;

    public readonly int Position => _position;

    public readonly ReadOnlySpan<byte> Buffer => _buffer;

    public readonly string MessageName => _messageName;

    /// <summary>Reads a tag, rejecting field number 0, groups and the undefined wire types 6 and 7.</summary>
    public uint ReadTag()
    {
        int start = _position;
        ulong tag = ReadVarint();
        if (tag > uint.MaxValue || (tag >> 3) == 0)
        {
            ThrowMalformed(string.Create(CultureInfo.InvariantCulture, $"invalid tag {tag} at offset {start}"));
        }

        switch ((WireType)(tag & 7))
        {
            case WireType.Varint:
            case WireType.Fixed64:
            case WireType.LengthDelimited:
            case WireType.Fixed32:
                return (uint)tag;
            case WireType.StartGroup:
            case WireType.EndGroup:
                ThrowMalformed(string.Create(CultureInfo.InvariantCulture, $"group wire type (deprecated, unsupported) for field {tag >> 3} at offset {start}"));
                return 0;
            default:
                ThrowMalformed(string.Create(CultureInfo.InvariantCulture, $"invalid wire type {tag & 7} for field {tag >> 3} at offset {start}"));
                return 0;
        }
    }

    public ulong ReadVarint()
    {
        int start = _position;
        ulong result = 0;
        for (int i = 0; i < MaxVarintLength; i++)
        {
            if (_position >= _end)
            {
                ThrowMalformed(string.Create(CultureInfo.InvariantCulture, $"truncated varint at offset {start}"));
            }

            byte b = _buffer[_position++];
            // The tenth byte contributes only bit 63; higher bits are discarded as other protobuf parsers do.
            result |= (ulong)(b & 0x7F) << (7 * i);
            if (b < 0x80)
            {
                return result;
            }
        }

        ThrowMalformed(string.Create(CultureInfo.InvariantCulture, $"varint longer than {MaxVarintLength} bytes at offset {start}"));
        return 0;
    }

    public void SkipFixed32() => Advance(4, "fixed32");

    public void SkipFixed64() => Advance(8, "fixed64");

    /// <summary>Reads a length prefix and returns the payload it covers, which must lie inside this segment.</summary>
    public WireSegment ReadSegment()
    {
        int start = _position;
        ulong length = ReadVarint();
        int remaining = _end - _position;
        if (length > (ulong)remaining)
        {
            ThrowMalformed(string.Create(CultureInfo.InvariantCulture, $"length {length} at offset {start} exceeds the {remaining} remaining bytes"));
        }

        var segment = new WireSegment(_position, (int)length);
        _position += (int)length;
        return segment;
    }

    /// <summary>Reads a length-delimited string; proto3 strings must be valid UTF-8.</summary>
    public string ReadString()
    {
        var segment = ReadSegment();
        if (segment.Length == 0)
        {
            return string.Empty;
        }

        var bytes = _buffer.Slice(segment.Offset, segment.Length);
        EnsureUtf8(bytes, segment.Offset);
        return Encoding.UTF8.GetString(bytes);
    }

    /// <summary>Checks a length-delimited string field without materializing it.</summary>
    public void SkipString()
    {
        var segment = ReadSegment();
        EnsureUtf8(_buffer.Slice(segment.Offset, segment.Length), segment.Offset);
    }

    public void SkipField(uint tag)
    {
        switch ((WireType)(tag & 7))
        {
            case WireType.Varint:
                ReadVarint();
                break;
            case WireType.Fixed64:
                SkipFixed64();
                break;
            case WireType.LengthDelimited:
                ReadSegment();
                break;
            case WireType.Fixed32:
                SkipFixed32();
                break;
            default:
                // ReadTag already rejected every other wire type.
                ThrowMalformed(string.Create(CultureInfo.InvariantCulture, $"cannot skip wire type {tag & 7} at offset {_position}"));
                break;
        }
    }

    /// <summary>Counts the elements of a packed repeated varint field, validating each one.</summary>
    public readonly int CountPackedVarints(WireSegment segment)
    {
        var payload = _buffer.Slice(segment.Offset, segment.Length);
        int count = 0;
        int continuation = 0;
        for (int i = 0; i < payload.Length; i++)
        {
            if (payload[i] < 0x80)
            {
                count++;
                continuation = 0;
            }
            else if (++continuation == MaxVarintLength)
            {
                ThrowMalformed(string.Create(CultureInfo.InvariantCulture, $"varint longer than {MaxVarintLength} bytes at offset {segment.Offset + i - MaxVarintLength + 1}"));
            }
        }

        if (continuation != 0)
        {
            ThrowMalformed(string.Create(CultureInfo.InvariantCulture, $"truncated varint at offset {segment.End - continuation}"));
        }

        return count;
    }

    /// <summary>Counts the elements of a packed repeated fixed-size field (fixed32, fixed64, float, double).</summary>
    public readonly int CountPackedFixed(WireSegment segment, int elementSize)
    {
        if (segment.Length % elementSize != 0)
        {
            ThrowMalformed(string.Create(CultureInfo.InvariantCulture, $"packed field at offset {segment.Offset} is {segment.Length} bytes, not a multiple of {elementSize}"));
        }

        return segment.Length / elementSize;
    }

    [DoesNotReturn]
    public readonly void ThrowMalformed(string detail) =>
        throw new InvalidMessageException($"malformed {_messageName}: {detail}");

    private void Advance(int count, string what)
    {
        if (_end - _position < count)
        {
            ThrowMalformed(string.Create(CultureInfo.InvariantCulture, $"truncated {what} at offset {_position}"));
        }

        _position += count;
    }

    private readonly void EnsureUtf8(ReadOnlySpan<byte> bytes, int offset)
    {
        if (!Utf8.IsValid(bytes))
        {
            ThrowMalformed(string.Create(CultureInfo.InvariantCulture, $"string at offset {offset} is not valid UTF-8"));
        }
    }
}
