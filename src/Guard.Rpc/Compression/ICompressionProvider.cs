using System.IO.Compression;

namespace Guard.Rpc.Compression;

/// <summary>One message encoding named in <c>grpc-encoding</c>.</summary>
public interface ICompressionProvider
{
    string EncodingName { get; }

    Stream CreateCompressionStream(Stream destination, CompressionLevel level);

    Stream CreateDecompressionStream(Stream source);
}
