using System.Text;
using Guard.Admin.Imaging;

namespace Guard.Admin.Tests.Imaging;

public sealed class Crc32Tests
{
    [Fact]
    public void The_check_value_of_123456789_is_cbf43926() =>
        Assert.Equal(0xCBF43926u, Crc32.Compute("123456789"u8));

    [Fact]
    public void Known_answers_match_zlib()
    {
        Assert.Equal(0u, Crc32.Compute([]));
        Assert.Equal(0xE8B7BE43u, Crc32.Compute("a"u8));
        Assert.Equal(0x414FA339u, Crc32.Compute(Encoding.ASCII.GetBytes("The quick brown fox jumps over the lazy dog")));
        // The CRC of an IEND chunk (over its type alone), as every PNG ends with it.
        Assert.Equal(0xAE426082u, Crc32.Compute("IEND"u8));
    }

    [Fact]
    public void Appending_pieces_gives_the_crc_of_the_whole()
    {
        var data = new byte[1000];
        new Random(3).NextBytes(data);

        for (var split = 0; split <= data.Length; split += 97)
        {
            Assert.Equal(Crc32.Compute(data), Crc32.Append(Crc32.Compute(data.AsSpan(0, split)), data.AsSpan(split)));
        }
    }
}
