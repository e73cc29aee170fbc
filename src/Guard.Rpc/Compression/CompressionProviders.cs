using System.IO.Compression;

namespace Guard.Rpc.Compression;

/// <summary>The encodings this endpoint speaks, and the message-level compress/decompress operations.</summary>
public sealed class CompressionProviders
{
    private readonly Dictionary<string, ICompressionProvider> _byName;

    public CompressionProviders(IEnumerable<ICompressionProvider> providers, CompressionLevel level = CompressionLevel.Fastest)
    {
        _byName = providers.ToDictionary(p => p.EncodingName, StringComparer.OrdinalIgnoreCase);
        Level = level;
        AcceptEncodingHeader = string.Join(",", new[] { GrpcHeaders.IdentityEncoding }.Concat(_byName.Keys));
    }

    public static CompressionProviders Default { get; } = new([new GzipCompressionProvider(), new DeflateCompressionProvider()]);

    public CompressionLevel Level { get; }

    /// <summary>Value for <c>grpc-accept-encoding</c>: identity plus every provider.</summary>
    public string AcceptEncodingHeader { get; }

    public bool TryGet(string name, out ICompressionProvider provider) => _byName.TryGetValue(name, out provider!);

    public byte[] Compress(ICompressionProvider provider, ReadOnlySpan<byte> payload)
    {
        using var output = new MemoryStream(payload.Length / 2 + 64);
        using (var compressor = provider.CreateCompressionStream(output, Level))
        {
            compressor.Write(payload);
        }

        return output.ToArray();
    }

    /// <summary>Decompresses, failing with RESOURCE_EXHAUSTED as soon as the output passes <paramref name="maxSize"/>
    /// so that a small "zip bomb" cannot make us allocate without bound.</summary>
    public static byte[] Decompress(ICompressionProvider provider, ReadOnlyMemory<byte> payload, int maxSize)
    {
        using var input = new ReadOnlyMemoryStream(payload);
        using var decompressor = provider.CreateDecompressionStream(input);
        using var output = new MemoryStream();
        var buffer = new byte[Math.Min(81920, Math.Max(1024, maxSize + 1))];
        try
        {
            int read;
            while ((read = decompressor.Read(buffer, 0, buffer.Length)) > 0)
            {
                if (output.Length + read > maxSize)
                {
                    throw new RpcException(StatusCode.ResourceExhausted,
                        $"Decompressed message exceeds the maximum message size of {maxSize} bytes.");
                }

                output.Write(buffer, 0, read);
            }
        }
        catch (InvalidDataException ex)
        {
            throw new RpcException(StatusCode.Internal, $"Could not decompress a '{provider.EncodingName}' message: {ex.Message}");
        }

        var result = output.ToArray();
        // .NET's encoders write nothing at all for an empty message, so zero bytes stand for one.
        if (!payload.IsEmpty && !provider.HasValidTrailer(payload.Span, result))
        {
            throw new RpcException(StatusCode.Internal, $"Could not decompress a '{provider.EncodingName}' message: it is truncated or its checksum does not match.");
        }

        return result;
    }
}
