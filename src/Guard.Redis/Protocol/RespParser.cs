using System.Buffers;
using System.Buffers.Text;
using System.Globalization;
using System.Text;

namespace Guard.Redis.Protocol;

/// <summary>
/// Parses RESP2 and RESP3 replies incrementally: <see cref="TryRead"/> either consumes one whole reply from the
/// front of the buffer or leaves the buffer as it was, so the read loop can simply wait for more bytes and retry.
/// RESP3 types are folded onto <see cref="RedisReplyKind"/> (sets become arrays, verbatim strings and big numbers
/// bulk strings, blob errors errors); attributes are skipped; push frames are flagged for the caller to drop.
/// </summary>
internal static class RespParser
{
    /// <summary>Deeper nesting than any real reply; bounds recursion against a broken or hostile peer.</summary>
    private const int MaxDepth = 64;

    /// <summary>Redis' own proto-max-bulk-len ceiling.</summary>
    private const long MaxBulkLength = 512L * 1024 * 1024;

    /// <summary>The smallest encoded element ("_\r\n"): lets an aggregate that cannot be complete yet be rejected
    /// without parsing (or allocating for) its elements again on every read.</summary>
    private const int MinElementSize = 3;

    private static readonly RedisReply Null = new(RedisReplyKind.Null);
    private static readonly RedisReply Ok = new(RedisReplyKind.SimpleString, "OK");
    private static readonly RedisReply True = new(RedisReplyKind.Boolean, integer: 1);
    private static readonly RedisReply False = new(RedisReplyKind.Boolean, integer: 0);
    private static readonly RedisReply EmptyBulk = new(RedisReplyKind.BulkString, bytes: []);

    /// <summary>Reads one complete reply from the front of <paramref name="buffer"/> and slices it off.</summary>
    /// <returns>False, with the buffer untouched, when the reply has not fully arrived yet.</returns>
    /// <exception cref="InvalidDataException">The bytes are not RESP.</exception>
    public static bool TryRead(ref ReadOnlySequence<byte> buffer, out RedisReply reply, out bool isPush)
    {
        var reader = new SequenceReader<byte>(buffer);
        if (!TryReadValue(ref reader, 0, out reply, out isPush))
        {
            return false;
        }

        buffer = buffer.Slice(reader.Position);
        return true;
    }

    private static bool TryReadValue(ref SequenceReader<byte> reader, int depth, out RedisReply reply, out bool isPush)
    {
        reply = Null;
        isPush = false;
        if (depth > MaxDepth)
        {
            throw new InvalidDataException($"RESP reply nested deeper than {MaxDepth} levels.");
        }

        if (!reader.TryRead(out var type))
        {
            return false;
        }

        switch (type)
        {
            case (byte)'+':
                return TryReadSimple(ref reader, RedisReplyKind.SimpleString, out reply);
            case (byte)'-':
                return TryReadSimple(ref reader, RedisReplyKind.Error, out reply);
            case (byte)':':
                if (!TryReadInteger(ref reader, out var integer))
                {
                    return false;
                }

                reply = new RedisReply(RedisReplyKind.Integer, integer: integer);
                return true;
            case (byte)'$':
                return TryReadBulk(ref reader, RedisReplyKind.BulkString, out reply);
            case (byte)'!':
                return TryReadBulk(ref reader, RedisReplyKind.Error, out reply);
            case (byte)'=':
                return TryReadVerbatim(ref reader, out reply);
            case (byte)'(':
                return TryReadBigNumber(ref reader, out reply);
            case (byte)'*' or (byte)'~':
                return TryReadAggregate(ref reader, depth, RedisReplyKind.Array, 1, out reply);
            case (byte)'>':
                isPush = true;
                return TryReadAggregate(ref reader, depth, RedisReplyKind.Array, 1, out reply);
            case (byte)'%':
                return TryReadAggregate(ref reader, depth, RedisReplyKind.Map, 2, out reply);
            case (byte)'|':
                // Attributes describe the reply that follows (e.g. key popularity); nothing here needs them.
                return TryReadAggregate(ref reader, depth, RedisReplyKind.Map, 2, out _)
                    && TryReadValue(ref reader, depth, out reply, out isPush);
            case (byte)'_':
                if (!TryReadLine(ref reader, out var empty))
                {
                    return false;
                }

                if (!empty.IsEmpty)
                {
                    throw new InvalidDataException("RESP3 null carries data.");
                }

                reply = Null;
                return true;
            case (byte)',':
                return TryReadDouble(ref reader, out reply);
            case (byte)'#':
                return TryReadBoolean(ref reader, out reply);
            default:
                throw new InvalidDataException($"Unknown RESP type byte 0x{type:X2}.");
        }
    }

    private static bool TryReadLine(ref SequenceReader<byte> reader, out ReadOnlySequence<byte> line) =>
        reader.TryReadTo(out line, "\r\n"u8, advancePastDelimiter: true);

    private static bool TryReadSimple(ref SequenceReader<byte> reader, RedisReplyKind kind, out RedisReply reply)
    {
        reply = Null;
        if (!TryReadLine(ref reader, out var line))
        {
            return false;
        }

        if (kind == RedisReplyKind.SimpleString && line.Length == 2 && line.FirstSpan.Length == 2 && line.FirstSpan.SequenceEqual("OK"u8))
        {
            reply = Ok;
            return true;
        }

        reply = new RedisReply(kind, Encoding.UTF8.GetString(line));
        return true;
    }

    private static bool TryReadInteger(ref SequenceReader<byte> reader, out long value)
    {
        value = 0;
        if (!TryReadLine(ref reader, out var line))
        {
            return false;
        }

        value = ParseInteger(line);
        return true;
    }

    private static long ParseInteger(in ReadOnlySequence<byte> line)
    {
        Span<byte> scratch = stackalloc byte[24];
        if (line.Length > scratch.Length)
        {
            throw new InvalidDataException("RESP integer too long.");
        }

        var span = line.IsSingleSegment ? line.FirstSpan : Copy(line, scratch);
        if (!Utf8Parser.TryParse(span, out long value, out var consumed) || consumed != span.Length)
        {
            throw new InvalidDataException($"Malformed RESP integer '{Encoding.ASCII.GetString(span)}'.");
        }

        return value;
    }

    private static ReadOnlySpan<byte> Copy(in ReadOnlySequence<byte> line, Span<byte> scratch)
    {
        line.CopyTo(scratch);
        return scratch[..(int)line.Length];
    }

    private static bool TryReadBulk(ref SequenceReader<byte> reader, RedisReplyKind kind, out RedisReply reply)
    {
        reply = Null;
        if (!TryReadPayload(ref reader, out var bytes))
        {
            return false;
        }

        if (bytes is null)
        {
            return true;
        }

        reply = kind == RedisReplyKind.Error
            ? new RedisReply(RedisReplyKind.Error, Encoding.UTF8.GetString(bytes))
            : bytes.Length == 0 ? EmptyBulk : new RedisReply(RedisReplyKind.BulkString, bytes: bytes);
        return true;
    }

    /// <summary>A length-prefixed payload; <paramref name="bytes"/> is null for RESP2's null bulk string ($-1).</summary>
    private static bool TryReadPayload(ref SequenceReader<byte> reader, out byte[]? bytes)
    {
        bytes = null;
        if (!TryReadInteger(ref reader, out var length))
        {
            return false;
        }

        if (length == -1)
        {
            return true;
        }

        if (length is < 0 or > MaxBulkLength)
        {
            throw new InvalidDataException($"RESP bulk length {length} out of range.");
        }

        if (reader.Remaining < length + 2)
        {
            return false;
        }

        bytes = length == 0 ? [] : new byte[length];
        reader.TryCopyTo(bytes);
        reader.Advance(length);
        if (!reader.IsNext("\r\n"u8, advancePast: true))
        {
            throw new InvalidDataException("RESP bulk string not terminated by CRLF.");
        }

        return true;
    }

    private static bool TryReadVerbatim(ref SequenceReader<byte> reader, out RedisReply reply)
    {
        reply = Null;
        if (!TryReadPayload(ref reader, out var bytes))
        {
            return false;
        }

        // "txt:" or "mkd:" in front of the text says how to display it; callers want the text.
        if (bytes is not null)
        {
            reply = new RedisReply(RedisReplyKind.BulkString, bytes: bytes.Length >= 4 && bytes[3] == ':' ? bytes[4..] : bytes);
        }

        return true;
    }

    private static bool TryReadBigNumber(ref SequenceReader<byte> reader, out RedisReply reply)
    {
        reply = Null;
        if (!TryReadLine(ref reader, out var line))
        {
            return false;
        }

        reply = new RedisReply(RedisReplyKind.BulkString, bytes: line.ToArray());
        return true;
    }

    private static bool TryReadAggregate(ref SequenceReader<byte> reader, int depth, RedisReplyKind kind, int perEntry, out RedisReply reply)
    {
        reply = Null;
        if (!TryReadInteger(ref reader, out var count))
        {
            return false;
        }

        if (count == -1)
        {
            return true;
        }

        if (count < 0 || count * perEntry > int.MaxValue)
        {
            throw new InvalidDataException($"RESP aggregate length {count} out of range.");
        }

        var total = (int)(count * perEntry);
        if (reader.Remaining < (long)total * MinElementSize)
        {
            return false;
        }

        var items = new RedisReply[total];
        for (var i = 0; i < items.Length; i++)
        {
            if (!TryReadValue(ref reader, depth + 1, out items[i], out _))
            {
                return false;
            }
        }

        reply = new RedisReply(kind, items: items);
        return true;
    }

    private static bool TryReadDouble(ref SequenceReader<byte> reader, out RedisReply reply)
    {
        reply = Null;
        if (!TryReadLine(ref reader, out var line))
        {
            return false;
        }

        Span<byte> scratch = stackalloc byte[64];
        if (line.Length > scratch.Length)
        {
            throw new InvalidDataException("RESP double too long.");
        }

        var span = line.IsSingleSegment ? line.FirstSpan : Copy(line, scratch);
        double value;
        if (span.SequenceEqual("inf"u8) || span.SequenceEqual("+inf"u8))
        {
            value = double.PositiveInfinity;
        }
        else if (span.SequenceEqual("-inf"u8))
        {
            value = double.NegativeInfinity;
        }
        else if (span.SequenceEqual("nan"u8) || span.SequenceEqual("-nan"u8))
        {
            value = double.NaN;
        }
        else if (!double.TryParse(span, NumberStyles.Float, CultureInfo.InvariantCulture, out value))
        {
            throw new InvalidDataException($"Malformed RESP double '{Encoding.ASCII.GetString(span)}'.");
        }

        reply = new RedisReply(RedisReplyKind.Double, number: value);
        return true;
    }

    private static bool TryReadBoolean(ref SequenceReader<byte> reader, out RedisReply reply)
    {
        reply = Null;
        if (!TryReadLine(ref reader, out var line))
        {
            return false;
        }

        var span = line.IsSingleSegment ? line.FirstSpan : line.ToArray();
        reply = span.SequenceEqual("t"u8) ? True
            : span.SequenceEqual("f"u8) ? False
            : throw new InvalidDataException("Malformed RESP3 boolean.");
        return true;
    }
}
