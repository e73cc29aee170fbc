namespace Guard.Rpc.Compression;

/// <summary>The checksums in the gzip (CRC-32, RFC 1952) and zlib (Adler-32, RFC 1950) trailers.</summary>
internal static class Checksums
{
    private static readonly uint[] CrcTable = BuildCrcTable();

    public static uint Crc32(ReadOnlySpan<byte> data)
    {
        var crc = 0xFFFFFFFFu;
        foreach (var b in data)
        {
            crc = CrcTable[(crc ^ b) & 0xFF] ^ (crc >> 8);
        }

        return ~crc;
    }

    public static uint Adler32(ReadOnlySpan<byte> data)
    {
        const uint Mod = 65521;
        uint a = 1, b = 0;
        while (data.Length > 0)
        {
            // 5552 is the largest run that cannot overflow before the modulo (zlib's NMAX).
            var run = data[..Math.Min(5552, data.Length)];
            foreach (var x in run)
            {
                a += x;
                b += a;
            }

            a %= Mod;
            b %= Mod;
            data = data[run.Length..];
        }

        return (b << 16) | a;
    }

    private static uint[] BuildCrcTable()
    {
        var table = new uint[256];
        for (var n = 0u; n < 256; n++)
        {
            var c = n;
            for (var k = 0; k < 8; k++)
            {
                c = (c & 1) != 0 ? 0xEDB88320u ^ (c >> 1) : c >> 1;
            }

            table[n] = c;
        }

        return table;
    }
}
