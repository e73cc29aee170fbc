using System.Buffers.Binary;
using System.IO.Compression;

namespace Guard.Admin.Imaging;

/// <summary>
/// Writes 8-bit grayscale or RGB pixels as a PNG (ISO/IEC 15948): signature, IHDR, one IDAT (zlib via
/// <see cref="ZLibStream"/>), IEND, each chunk with its <see cref="Crc32"/>. Non-interlaced, and every scanline uses
/// filter type 0 (none): the console's images are small, and deflate already finds the repeated rows of an upscaled
/// image, so adaptive filtering would cost code without a visible gain.
/// </summary>
public static class PngEncoder
{
    private static ReadOnlySpan<byte> Signature => [0x89, (byte)'P', (byte)'N', (byte)'G', 0x0D, 0x0A, 0x1A, 0x0A];

    /// <summary>A PNG of <paramref name="pixels"/>: rows top to bottom, each <paramref name="width"/> pixels of one
    /// (grayscale) or three (R, G, B) bytes, no padding.</summary>
    public static byte[] Encode(ReadOnlySpan<byte> pixels, int width, int height, PngColorType colorType)
    {
        ArgumentOutOfRangeException.ThrowIfLessThan(width, 1);
        ArgumentOutOfRangeException.ThrowIfLessThan(height, 1);
        var channels = colorType switch
        {
            PngColorType.Grayscale => 1,
            PngColorType.Rgb => 3,
            _ => throw new ArgumentOutOfRangeException(nameof(colorType), colorType, "Only 8-bit grayscale and RGB are written."),
        };
        var rowBytes = (long)width * channels;
        if (rowBytes * height != pixels.Length)
        {
            throw new ArgumentException(
                $"{pixels.Length} pixel bytes do not make a {width}x{height} image of {channels} byte(s) per pixel.", nameof(pixels));
        }

        using var png = new MemoryStream();
        png.Write(Signature);
        Span<byte> header = stackalloc byte[13];
        BinaryPrimitives.WriteInt32BigEndian(header, width);
        BinaryPrimitives.WriteInt32BigEndian(header[4..], height);
        header[8] = 8; // bit depth
        header[9] = (byte)colorType;
        header[10] = 0; // compression: deflate
        header[11] = 0; // filter method: adaptive (each row starts with its filter type)
        header[12] = 0; // no interlace
        WriteChunk(png, "IHDR"u8, header);
        WriteChunk(png, "IDAT"u8, Compress(pixels, (int)rowBytes));
        WriteChunk(png, "IEND"u8, []);
        return png.ToArray();
    }

    private static ReadOnlySpan<byte> Compress(ReadOnlySpan<byte> pixels, int rowBytes)
    {
        var output = new MemoryStream();
        using (var zlib = new ZLibStream(output, CompressionLevel.Optimal, leaveOpen: true))
        {
            for (var offset = 0; offset < pixels.Length; offset += rowBytes)
            {
                zlib.WriteByte(0); // filter type: none
                zlib.Write(pixels.Slice(offset, rowBytes));
            }
        }

        return output.GetBuffer().AsSpan(0, (int)output.Length);
    }

    /// <summary>Length (big-endian), type, data, then the CRC of type and data.</summary>
    private static void WriteChunk(Stream png, ReadOnlySpan<byte> type, ReadOnlySpan<byte> data)
    {
        Span<byte> word = stackalloc byte[4];
        BinaryPrimitives.WriteInt32BigEndian(word, data.Length);
        png.Write(word);
        png.Write(type);
        png.Write(data);
        BinaryPrimitives.WriteUInt32BigEndian(word, Crc32.Append(Crc32.Compute(type), data));
        png.Write(word);
    }
}
