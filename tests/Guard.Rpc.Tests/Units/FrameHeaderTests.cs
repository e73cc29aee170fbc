using System.Buffers;
using Guard.Rpc.Internal;

namespace Guard.Rpc.Tests.Units;

public class FrameHeaderTests
{
    [Fact]
    public void Write_puts_the_flag_then_a_big_endian_length()
    {
        var header = new byte[5];

        FrameHeader.Write(header, compressed: true, 0x01020304);
        Assert.Equal(new byte[] { 1, 1, 2, 3, 4 }, header);

        FrameHeader.Write(header, compressed: false, 7);
        Assert.Equal(new byte[] { 0, 0, 0, 0, 7 }, header);
    }

    [Theory]
    [InlineData(0)]
    [InlineData(1)]
    [InlineData(4)]
    public void TryRead_needs_five_bytes(int available)
    {
        var buffer = new ReadOnlySequence<byte>(new byte[available]);

        Assert.False(FrameHeader.TryRead(buffer, out _, out _));
    }

    [Fact]
    public void TryRead_reads_flag_and_length_even_across_segments()
    {
        var sequence = Segments([1], [0xFF, 0xFF], [0xFF], [0xFE, 42, 43]);

        Assert.True(FrameHeader.TryRead(sequence, out var compressed, out var length));
        Assert.True(compressed);
        Assert.Equal(0xFFFFFFFEu, length);
    }

    [Fact]
    public void Write_then_read_round_trips()
    {
        var header = new byte[5];
        FrameHeader.Write(header, compressed: false, int.MaxValue);

        Assert.True(FrameHeader.TryRead(new ReadOnlySequence<byte>(header), out var compressed, out var length));
        Assert.False(compressed);
        Assert.Equal((uint)int.MaxValue, length);
    }

    [Theory]
    [InlineData(2)]
    [InlineData(0x80)]
    [InlineData(0xFF)]
    public void A_flag_other_than_zero_or_one_is_internal(byte flag)
    {
        var buffer = new ReadOnlySequence<byte>(new byte[] { flag, 0, 0, 0, 1 });

        var ex = Assert.Throws<RpcException>(() => FrameHeader.TryRead(buffer, out _, out _));
        Assert.Equal(StatusCode.Internal, ex.StatusCode);
    }

    internal static ReadOnlySequence<byte> Segments(params byte[][] parts)
    {
        var first = new Segment(parts[0], 0);
        var last = first;
        foreach (var part in parts.Skip(1))
        {
            last = last.Append(part);
        }

        return new ReadOnlySequence<byte>(first, 0, last, last.Memory.Length);
    }

    private sealed class Segment : ReadOnlySequenceSegment<byte>
    {
        public Segment(ReadOnlyMemory<byte> memory, long runningIndex)
        {
            Memory = memory;
            RunningIndex = runningIndex;
        }

        public Segment Append(ReadOnlyMemory<byte> memory)
        {
            var next = new Segment(memory, RunningIndex + Memory.Length);
            Next = next;
            return next;
        }
    }
}
