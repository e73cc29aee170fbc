using System.Buffers;
using System.IO.Pipelines;
using Guard.Rpc.Compression;

namespace Guard.Rpc.Internal;

/// <summary>
/// Reads length-prefixed gRPC messages from a pipe. Bytes are consumed as they arrive (rather than waiting
/// for a whole message in the pipe) so that HTTP/2 flow control keeps the peer sending large messages.
/// </summary>
internal sealed class MessageReader(PipeReader reader, int maxMessageSize, ICompressionProvider? decompressor, string peerRole)
{
    private const int InitialBufferSize = 64 * 1024;

    /// <summary>
    /// The next message's payload, or null at a clean end of stream. With <paramref name="buffers"/>, the payload
    /// lives in a pooled buffer that they own; without, in an array of its own.
    /// </summary>
    public async ValueTask<ReadOnlyMemory<byte>?> ReadAsync(CancellationToken cancellationToken, MessageBuffers? buffers = null)
    {
        bool compressed;
        uint length;
        while (true)
        {
            var result = await reader.ReadAsync(cancellationToken);
            var buffer = result.Buffer;
            if (FrameHeader.TryRead(buffer, out compressed, out length))
            {
                reader.AdvanceTo(buffer.GetPosition(FrameHeader.Size));
                break;
            }

            if (result.IsCompleted)
            {
                reader.AdvanceTo(buffer.End);
                if (buffer.Length == 0)
                {
                    return null;
                }

                throw new RpcException(StatusCode.Internal, $"Incomplete message: the {peerRole} stream ended inside a gRPC frame header.");
            }

            reader.AdvanceTo(buffer.Start, buffer.End);
        }

        if (length > (uint)maxMessageSize)
        {
            throw new RpcException(StatusCode.ResourceExhausted,
                $"Received message larger than max ({length} vs. {maxMessageSize}).");
        }

        if (compressed && decompressor is null)
        {
            throw new RpcException(StatusCode.Internal, $"The {peerRole} sent a compressed message without a grpc-encoding.");
        }

        // The buffer grows with what has arrived (doubling), so a peer that declares a large message and sends
        // little of it costs little memory; the whole message costs at most one extra copy.
        var total = (int)length;
        var payload = Allocate(Math.Min(total, InitialBufferSize), buffers);
        var filled = 0;
        while (filled < total)
        {
            var result = await reader.ReadAsync(cancellationToken);
            var buffer = result.Buffer;
            var take = (int)Math.Min(buffer.Length, total - filled);
            if (filled + take > payload.Length)
            {
                var grown = Allocate((int)Math.Min(total, Math.Max((long)payload.Length * 2, filled + take)), buffers);
                payload.AsSpan(0, filled).CopyTo(grown);
                buffers?.Release(payload);
                payload = grown;
            }

            var slice = buffer.Slice(0, take);
            slice.CopyTo(payload.AsSpan(filled));
            filled += take;
            reader.AdvanceTo(slice.End);
            if (filled < total && result.IsCompleted)
            {
                throw new RpcException(StatusCode.Internal,
                    $"Incomplete message: the {peerRole} stream ended after {filled} of {length} bytes.");
            }
        }

        if (!compressed)
        {
            return new ReadOnlyMemory<byte>(payload, 0, total);
        }

        var decompressed = CompressionProviders.Decompress(decompressor!, new ReadOnlyMemory<byte>(payload, 0, total), maxMessageSize);
        buffers?.Release(payload);
        return decompressed;
    }

    // Pooled arrays may be larger than asked for: callers slice to the message's length.
    private static byte[] Allocate(int length, MessageBuffers? buffers) =>
        buffers?.Rent(length) ?? GC.AllocateUninitializedArray<byte>(length);
}
