using System.Buffers.Binary;
using System.IO.Compression;

namespace Guard.Rpc.Compression;

public sealed class GzipCompressionProvider : ICompressionProvider
{
    public string EncodingName => "gzip";

    public Stream CreateCompressionStream(Stream destination, CompressionLevel level) => new GZipStream(destination, level, leaveOpen: true);

    public Stream CreateDecompressionStream(Stream source) => new GZipStream(source, CompressionMode.Decompress, leaveOpen: true);

    // A gzip member ends with CRC-32 and the length mod 2^32, both little-endian; the smallest member is 18 bytes.
    public bool HasValidTrailer(ReadOnlySpan<byte> compressed, ReadOnlySpan<byte> decompressed) =>
        compressed.Length >= 18
        && BinaryPrimitives.ReadUInt32LittleEndian(compressed[^4..]) == (uint)decompressed.Length
        && BinaryPrimitives.ReadUInt32LittleEndian(compressed[^8..]) == Checksums.Crc32(decompressed);
}
