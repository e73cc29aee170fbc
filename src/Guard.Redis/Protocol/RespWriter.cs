using System.Buffers;
using System.Globalization;
using System.Text;

namespace Guard.Redis.Protocol;

/// <summary>
/// Encodes a command as a RESP array of bulk strings: strings as UTF-8, byte arrays as they are, numbers in the
/// invariant culture. Sizing is separate from writing so the writer can reserve the exact span under the
/// connection's write lock and never leave half a command in the shared buffer.
/// </summary>
internal static class RespWriter
{
    private const int NumberScratch = 64;

    /// <summary>The encoded size of <paramref name="args"/>.</summary>
    /// <exception cref="ArgumentException">An argument is null or of a type RESP has no encoding for.</exception>
    public static int Measure(IReadOnlyList<object> args)
    {
        long total = HeaderLength(args.Count);
        Span<byte> scratch = stackalloc byte[NumberScratch];
        for (var i = 0; i < args.Count; i++)
        {
            var length = ArgumentLength(args[i], i, scratch);
            total += HeaderLength(length) + length + 2;
        }

        if (total > int.MaxValue)
        {
            throw new ArgumentException("The command is larger than 2 GiB.", nameof(args));
        }

        return (int)total;
    }

    /// <summary>Writes a command already measured by <see cref="Measure"/> (its size passed back in).</summary>
    public static void Write(IBufferWriter<byte> output, IReadOnlyList<object> args, int size)
    {
        var span = output.GetSpan(size);
        var at = WriteHeader(span, (byte)'*', args.Count);
        for (var i = 0; i < args.Count; i++)
        {
            at += WriteBulk(span[at..], args[i]);
        }

        output.Advance(at);
    }

    private static int ArgumentLength(object? arg, int index, Span<byte> scratch) => arg switch
    {
        string text => Encoding.UTF8.GetByteCount(text),
        byte[] bytes => bytes.Length,
        ReadOnlyMemory<byte> memory => memory.Length,
        Memory<byte> memory => memory.Length,
        null => throw new ArgumentException($"Redis command argument {index} is null."),
        _ when IsNumber(arg) => FormatNumber(arg, scratch),
        _ => throw new ArgumentException($"Redis command argument {index} is a {arg.GetType().Name}; pass a string, byte[] or number."),
    };

    private static int WriteBulk(Span<byte> destination, object arg)
    {
        int length;
        Span<byte> body;
        switch (arg)
        {
            case string text:
                length = Encoding.UTF8.GetByteCount(text);
                body = Body(destination, length, out var headerLength);
                Encoding.UTF8.GetBytes(text, body);
                return Finish(destination, headerLength, length);
            case byte[] bytes:
                return CopyBulk(destination, bytes);
            case ReadOnlyMemory<byte> memory:
                return CopyBulk(destination, memory.Span);
            case Memory<byte> memory:
                return CopyBulk(destination, memory.Span);
            default:
                Span<byte> scratch = stackalloc byte[NumberScratch];
                length = FormatNumber(arg, scratch);
                return CopyBulk(destination, scratch[..length]);
        }
    }

    private static int CopyBulk(Span<byte> destination, ReadOnlySpan<byte> value)
    {
        var body = Body(destination, value.Length, out var headerLength);
        value.CopyTo(body);
        return Finish(destination, headerLength, value.Length);
    }

    private static Span<byte> Body(Span<byte> destination, int length, out int headerLength)
    {
        headerLength = WriteHeader(destination, (byte)'$', length);
        return destination.Slice(headerLength, length);
    }

    private static int Finish(Span<byte> destination, int headerLength, int length)
    {
        destination[headerLength + length] = (byte)'\r';
        destination[headerLength + length + 1] = (byte)'\n';
        return headerLength + length + 2;
    }

    private static int WriteHeader(Span<byte> destination, byte prefix, int count)
    {
        destination[0] = prefix;
        count.TryFormat(destination[1..], out var digits, default, CultureInfo.InvariantCulture);
        destination[1 + digits] = (byte)'\r';
        destination[2 + digits] = (byte)'\n';
        return digits + 3;
    }

    private static int HeaderLength(int count) => 3 + DigitCount(count);

    private static int DigitCount(int value)
    {
        var digits = 1;
        while (value >= 10)
        {
            value /= 10;
            digits++;
        }

        return digits;
    }

    private static bool IsNumber(object arg) =>
        arg is int or long or short or sbyte or byte or uint or ulong or ushort or double or float or decimal;

    private static int FormatNumber(object arg, Span<byte> destination)
    {
        if (arg is double or float)
        {
            var value = Convert.ToDouble(arg, CultureInfo.InvariantCulture);
            if (double.IsNaN(value))
            {
                throw new ArgumentException("Redis has no representation for NaN.");
            }

            // Redis spells infinities its own way ("+inf"/"-inf"); .NET would write "Infinity".
            if (double.IsInfinity(value))
            {
                var text = value > 0 ? "+inf"u8 : "-inf"u8;
                text.CopyTo(destination);
                return text.Length;
            }
        }

        ((IUtf8SpanFormattable)arg).TryFormat(destination, out var written, default, CultureInfo.InvariantCulture);
        return written;
    }
}
