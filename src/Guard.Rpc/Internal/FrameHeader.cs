using System.Buffers;
using System.Buffers.Binary;

namespace Guard.Rpc.Internal;

/// <summary>The 5-byte prefix of every gRPC message: a compressed flag and a big-endian 32-bit length.</summary>
internal static class FrameHeader
{
    public const int Size = 5;

    public static bool TryRead(in ReadOnlySequence<byte> buffer, out bool compressed, out uint length)
    {
        compressed = false;
        length = 0;
        if (buffer.Length < Size)
        {
            return false;
        }

        Span<byte> header = stackalloc byte[Size];
        buffer.Slice(0, Size).CopyTo(header);
        if (header[0] > 1)
        {
            throw new RpcException(StatusCode.Internal, $"Invalid gRPC frame: compressed flag is {header[0]}, expected 0 or 1.");
        }

        compressed = header[0] == 1;
        length = BinaryPrimitives.ReadUInt32BigEndian(header[1..]);
        return true;
    }

    public static void Write(Span<byte> destination, bool compressed, int length)
    {
        destination[0] = compressed ? (byte)1 : (byte)0;
        BinaryPrimitives.WriteUInt32BigEndian(destination[1..], (uint)length);
    }
}
