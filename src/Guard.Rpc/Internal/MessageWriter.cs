using System.IO.Pipelines;
using Guard.Rpc.Compression;

namespace Guard.Rpc.Internal;

/// <summary>Writes length-prefixed gRPC messages to a pipe, compressing them when an encoding was negotiated.</summary>
internal sealed class MessageWriter(PipeWriter writer, int maxMessageSize, CompressionProviders compression, ICompressionProvider? compressor)
{
    public async ValueTask WriteAsync(ReadOnlyMemory<byte> payload, CancellationToken cancellationToken)
    {
        if (payload.Length > maxMessageSize)
        {
            throw new RpcException(StatusCode.ResourceExhausted,
                $"Sending message larger than max ({payload.Length} vs. {maxMessageSize}).");
        }

        var compressed = compressor is not null;
        if (compressed)
        {
            payload = compression.Compress(compressor!, payload.Span);
        }

        FrameHeader.Write(writer.GetSpan(FrameHeader.Size), compressed, payload.Length);
        writer.Advance(FrameHeader.Size);
        await writer.WriteAsync(payload, cancellationToken);
    }
}
