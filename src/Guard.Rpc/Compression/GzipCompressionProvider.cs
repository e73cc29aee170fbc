using System.IO.Compression;

namespace Guard.Rpc.Compression;

public sealed class GzipCompressionProvider : ICompressionProvider
{
    public string EncodingName => "gzip";

    public Stream CreateCompressionStream(Stream destination, CompressionLevel level) => new GZipStream(destination, level, leaveOpen: true);

    public Stream CreateDecompressionStream(Stream source) => new GZipStream(source, CompressionMode.Decompress, leaveOpen: true);
}
