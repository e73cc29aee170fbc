using Guard.Admin.Imaging;

namespace Guard.Admin.Tests.Imaging;

public sealed class PngEncoderTests
{
    [Theory]
    [InlineData(PngColorType.Grayscale, 1, 1)]
    [InlineData(PngColorType.Grayscale, 37, 5)]
    [InlineData(PngColorType.Rgb, 1, 1)]
    [InlineData(PngColorType.Rgb, 16, 29)]
    [InlineData(PngColorType.Rgb, 300, 200)]
    public async Task An_independent_decoder_reads_back_the_same_pixels(PngColorType colorType, int width, int height)
    {
        var channels = colorType == PngColorType.Rgb ? 3 : 1;
        var pixels = new byte[width * height * channels];
        new Random(width * 1000 + height).NextBytes(pixels);

        var png = PngEncoder.Encode(pixels, width, height, colorType);
        var decoded = await PythonPngDecoder.DecodeAsync(png);

        Assert.Equal(width, decoded.Width);
        Assert.Equal(height, decoded.Height);
        Assert.Equal(8, decoded.BitDepth);
        Assert.Equal((int)colorType, decoded.ColorType);
        Assert.Equal(["IHDR", "IDAT", "IEND"], decoded.Chunks);
        Assert.Equal(pixels, decoded.Pixels);
    }

    [Fact]
    public void The_file_starts_with_the_png_signature_and_a_13_byte_header()
    {
        var png = PngEncoder.Encode(new byte[4 * 2 * 3], 4, 2, PngColorType.Rgb);

        Assert.Equal([0x89, 0x50, 0x4E, 0x47, 0x0D, 0x0A, 0x1A, 0x0A], png[..8]);
        Assert.Equal([0, 0, 0, 13, (byte)'I', (byte)'H', (byte)'D', (byte)'R', 0, 0, 0, 4, 0, 0, 0, 2, 8, 2, 0, 0, 0], png[8..29]);
        Assert.Equal([0, 0, 0, 0, (byte)'I', (byte)'E', (byte)'N', (byte)'D', 0xAE, 0x42, 0x60, 0x82], png[^12..]);
    }

    [Fact]
    public async Task The_independent_decoder_notices_a_damaged_crc()
    {
        var png = PngEncoder.Encode(new byte[64], 8, 8, PngColorType.Grayscale);
        png[^13] ^= 0x01; // the last byte of the IDAT chunk's CRC (the 12-byte IEND chunk follows)

        await Assert.ThrowsAsync<Xunit.Sdk.TrueException>(() => PythonPngDecoder.DecodeAsync(png));
    }

    [Fact]
    public void Sizes_that_do_not_match_the_pixels_and_other_colour_types_are_rejected()
    {
        Assert.Throws<ArgumentException>(() => PngEncoder.Encode(new byte[11], 4, 3, PngColorType.Grayscale));
        Assert.Throws<ArgumentException>(() => PngEncoder.Encode(new byte[12], 4, 3, PngColorType.Rgb));
        Assert.Throws<ArgumentOutOfRangeException>(() => PngEncoder.Encode([], 0, 3, PngColorType.Grayscale));
        Assert.Throws<ArgumentOutOfRangeException>(() => PngEncoder.Encode([], 3, 0, PngColorType.Grayscale));
        Assert.Throws<ArgumentOutOfRangeException>(() => PngEncoder.Encode(new byte[16], 2, 2, (PngColorType)6));
    }
}
