using System.IO.Compression;

namespace Guard.Rpc.Compression;

/// <summary>gRPC's "deflate" is the zlib format (RFC 1950), not raw deflate.</summary>
public sealed class DeflateCompressionProvider : ICompressionProvider
{
    public string EncodingName => "deflate";

    public Stream CreateCompressionStream(Stream destination, CompressionLevel level) => new ZLibStream(destination, level, leaveOpen: true);

    public Stream CreateDecompressionStream(Stream source) => new ZLibStream(source, CompressionMode.Decompress, leaveOpen: true);
}
