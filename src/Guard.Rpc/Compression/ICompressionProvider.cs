using System.IO.Compression;

namespace Guard.Rpc.Compression;

/// <summary>One message encoding named in <c>grpc-encoding</c>.</summary>
public interface ICompressionProvider
{
    string EncodingName { get; }

    Stream CreateCompressionStream(Stream destination, CompressionLevel level);

    Stream CreateDecompressionStream(Stream source);

    /// <summary>
    /// True when <paramref name="compressed"/> ends with a trailer that matches <paramref name="decompressed"/>:
    /// .NET's decoders stop quietly at the end of their input, so a truncated message is caught only here.
    /// </summary>
    bool HasValidTrailer(ReadOnlySpan<byte> compressed, ReadOnlySpan<byte> decompressed);
}
