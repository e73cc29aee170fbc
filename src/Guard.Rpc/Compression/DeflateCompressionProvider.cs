using System.Buffers.Binary;
using System.IO.Compression;

namespace Guard.Rpc.Compression;

/// <summary>gRPC's "deflate" is the zlib format (RFC 1950), not raw deflate.</summary>
public sealed class DeflateCompressionProvider : ICompressionProvider
{
    public string EncodingName => "deflate";

    public Stream CreateCompressionStream(Stream destination, CompressionLevel level) => new ZLibStream(destination, level, leaveOpen: true);

    public Stream CreateDecompressionStream(Stream source) => new ZLibStream(source, CompressionMode.Decompress, leaveOpen: true);

    // A zlib stream ends with the Adler-32 of the data, big-endian, after at least a 2-byte header and 1 block byte.
    public bool HasValidTrailer(ReadOnlySpan<byte> compressed, ReadOnlySpan<byte> decompressed) =>
        compressed.Length >= 7 && BinaryPrimitives.ReadUInt32BigEndian(compressed[^4..]) == Checksums.Adler32(decompressed);
}
