namespace Guard.Admin.Imaging;

/// <summary>
/// CRC-32 as PNG (ISO 3309, ITU-T V.42) and zlib define it: reflected polynomial 0xEDB88320, initial value and final
/// XOR 0xFFFFFFFF. Table-driven, one byte per step, which is plenty for console-sized images. (No System.IO.Hashing
/// package is available to this build.)
/// </summary>
internal static class Crc32
{
    private const uint Polynomial = 0xEDB88320;

    /// <summary>The CRC of each byte value; filled once by the type initializer and never written again.</summary>
    private static readonly uint[] Table = CreateTable();

    /// <summary>The CRC-32 of <paramref name="data"/>.</summary>
    public static uint Compute(ReadOnlySpan<byte> data) => Append(0, data);

    /// <summary>The CRC-32 of the bytes whose CRC is <paramref name="crc"/> followed by <paramref name="data"/>, so
    /// that a CRC can be computed over pieces (zlib's <c>crc32(crc, buf, len)</c>); start from 0.</summary>
    public static uint Append(uint crc, ReadOnlySpan<byte> data)
    {
        var c = ~crc;
        foreach (var b in data)
        {
            c = Table[(c ^ b) & 0xFF] ^ (c >> 8);
        }

        return ~c;
    }

    private static uint[] CreateTable()
    {
        var table = new uint[256];
        for (uint n = 0; n < table.Length; n++)
        {
            var c = n;
            for (var k = 0; k < 8; k++)
            {
                c = (c & 1) != 0 ? Polynomial ^ (c >> 1) : c >> 1;
            }

            table[n] = c;
        }

        return table;
    }
}
