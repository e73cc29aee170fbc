using System.Buffers;
using System.Text;
using Guard.Redis.Protocol;

namespace Guard.Redis.Tests.Units;

public class RespParserTests
{
    [Fact]
    public void Parses_every_resp2_type()
    {
        var replies = ParseAll("+OK\r\n-ERR bad thing\r\n:-42\r\n$5\r\nhello\r\n$0\r\n\r\n$-1\r\n*-1\r\n*2\r\n:1\r\n$1\r\nx\r\n");
        Assert.Equal(8, replies.Count);
        Assert.Equal((RedisReplyKind.SimpleString, "OK"), (replies[0].Kind, replies[0].Text));
        Assert.Equal((RedisReplyKind.Error, "ERR bad thing"), (replies[1].Kind, replies[1].Text));
        Assert.Equal(-42, replies[2].Integer);
        Assert.Equal("hello", replies[3].AsString());
        Assert.Empty(replies[4].Bytes!);
        Assert.True(replies[5].IsNull);
        Assert.True(replies[6].IsNull);
        Assert.Equal(RedisReplyKind.Array, replies[7].Kind);
        Assert.Equal(1, replies[7].Items[0].Integer);
        Assert.Equal("x", replies[7].Items[1].AsString());
    }

    [Fact]
    public void Parses_resp3_types()
    {
        var replies = ParseAll("%1\r\n+k\r\n:7\r\n,3.5\r\n,-inf\r\n#t\r\n#f\r\n_\r\n~2\r\n:1\r\n:2\r\n=8\r\ntxt:abcd\r\n(12345678901234567890\r\n!5\r\nERR x\r\n|1\r\n+ttl\r\n:3\r\n+after-attribute\r\n");
        Assert.Equal(RedisReplyKind.Map, replies[0].Kind);
        Assert.Equal(["k", "7"], replies[0].Items.Select(i => i.AsString()));
        Assert.Equal(3.5, replies[1].Number);
        Assert.Equal(double.NegativeInfinity, replies[2].Number);
        Assert.Equal((RedisReplyKind.Boolean, 1L), (replies[3].Kind, replies[3].Integer));
        Assert.Equal((RedisReplyKind.Boolean, 0L), (replies[4].Kind, replies[4].Integer));
        Assert.True(replies[5].IsNull);
        Assert.Equal(RedisReplyKind.Array, replies[6].Kind);
        Assert.Equal("abcd", replies[7].AsString());
        Assert.Equal("12345678901234567890", replies[8].AsString());
        Assert.Equal((RedisReplyKind.Error, "ERR x"), (replies[9].Kind, replies[9].Text));
        Assert.Equal("after-attribute", replies[10].Text);
    }

    [Fact]
    public void Flags_push_frames()
    {
        var buffer = new ReadOnlySequence<byte>(Encoding.ASCII.GetBytes(">2\r\n+invalidate\r\n*1\r\n$1\r\nk\r\n:5\r\n"));
        Assert.True(RespParser.TryRead(ref buffer, out var push, out var isPush));
        Assert.True(isPush);
        Assert.Equal("invalidate", push.Items[0].Text);
        Assert.True(RespParser.TryRead(ref buffer, out var reply, out isPush));
        Assert.False(isPush);
        Assert.Equal(5, reply.Integer);
    }

    [Fact]
    public void Waits_for_a_reply_split_at_any_byte_and_across_segments()
    {
        var text = "*3\r\n$3\r\nfoo\r\n%1\r\n:1\r\n,2.5\r\n*2\r\n+a\r\n$-1\r\n";
        var bytes = Encoding.ASCII.GetBytes(text);
        for (var cut = 0; cut < bytes.Length; cut++)
        {
            var partial = new ReadOnlySequence<byte>(bytes, 0, cut);
            Assert.False(RespParser.TryRead(ref partial, out _, out _));
            Assert.Equal(cut, partial.Length);

            var whole = Segmented(bytes, cut);
            Assert.True(RespParser.TryRead(ref whole, out var reply, out _));
            Assert.Equal(0, whole.Length);
            Assert.Equal("foo", reply.Items[0].AsString());
            Assert.Equal(2.5, reply.Items[1].Items[1].Number);
            Assert.True(reply.Items[2].Items[1].IsNull);
        }
    }

    [Theory]
    [InlineData("?oops\r\n")]
    [InlineData(":12x\r\n")]
    [InlineData("$3\r\nabcXY")]
    [InlineData("#x\r\n")]
    public void Rejects_malformed_input(string text)
    {
        var buffer = new ReadOnlySequence<byte>(Encoding.ASCII.GetBytes(text));
        Assert.Throws<InvalidDataException>(() => RespParser.TryRead(ref buffer, out _, out _));
    }

    private static List<RedisReply> ParseAll(string text)
    {
        var buffer = new ReadOnlySequence<byte>(Encoding.ASCII.GetBytes(text));
        var replies = new List<RedisReply>();
        while (RespParser.TryRead(ref buffer, out var reply, out _))
        {
            replies.Add(reply);
        }

        Assert.Equal(0, buffer.Length);
        return replies;
    }

    /// <summary>The bytes as a two-segment sequence split at <paramref name="cut"/>.</summary>
    private static ReadOnlySequence<byte> Segmented(byte[] bytes, int cut)
    {
        var first = new Segment(bytes.AsMemory(0, cut), 0);
        var last = first.Append(bytes.AsMemory(cut));
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
