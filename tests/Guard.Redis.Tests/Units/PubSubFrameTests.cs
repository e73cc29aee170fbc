using System.Buffers;
using System.Text;
using Guard.Redis.Protocol;
using Guard.Redis.PubSub;

namespace Guard.Redis.Tests.Units;

/// <summary>Which frames on a subscriber's connection are published messages and which answer a command, RESP2 and RESP3.</summary>
public class PubSubFrameTests
{
    [Theory]
    [InlineData("*3\r\n$7\r\nmessage\r\n$4\r\nnews\r\n$5\r\nhello\r\n")]
    [InlineData(">3\r\n$7\r\nmessage\r\n$4\r\nnews\r\n$5\r\nhello\r\n")]
    public void A_message_frame_is_published_and_read_as_channel_and_payload(string frame)
    {
        var reply = Parse(frame);

        Assert.True(PubSubFrame.IsPublished(reply));
        Assert.False(PubSubFrame.IsConfirmation(reply));
        Assert.True(PubSubFrame.TryReadMessage(reply, out var message));
        Assert.Equal("news", message.Channel);
        Assert.Equal("hello", Encoding.UTF8.GetString(message.Payload.Span));
    }

    [Theory]
    [InlineData("*3\r\n$9\r\nsubscribe\r\n$4\r\nnews\r\n:1\r\n")]
    [InlineData(">3\r\n$9\r\nsubscribe\r\n$4\r\nnews\r\n:1\r\n")]
    [InlineData("*3\r\n$11\r\nunsubscribe\r\n$4\r\nnews\r\n:0\r\n")]
    public void A_confirmation_answers_a_command(string frame)
    {
        var reply = Parse(frame);

        Assert.True(PubSubFrame.IsConfirmation(reply));
        Assert.False(PubSubFrame.IsPublished(reply));
        Assert.False(PubSubFrame.TryReadMessage(reply, out _));
    }

    [Fact]
    public void A_pattern_message_is_published_but_not_read_as_a_plain_message()
    {
        var reply = Parse("*4\r\n$8\r\npmessage\r\n$2\r\nn*\r\n$4\r\nnews\r\n$1\r\nx\r\n");

        Assert.True(PubSubFrame.IsPublished(reply));
        Assert.False(PubSubFrame.TryReadMessage(reply, out _));
    }

    [Theory]
    [InlineData("*2\r\n$4\r\npong\r\n$0\r\n\r\n")] // PING while subscribed, RESP2
    [InlineData("+PONG\r\n")]
    [InlineData("*3\r\n:1\r\n:2\r\n:3\r\n")]
    [InlineData("-NOPERM no permissions to access the 'x' channel\r\n")]
    public void Other_replies_are_neither(string frame)
    {
        var reply = Parse(frame);

        Assert.False(PubSubFrame.IsPublished(reply));
        Assert.False(PubSubFrame.IsConfirmation(reply));
    }

    private static RedisReply Parse(string frame)
    {
        var buffer = new ReadOnlySequence<byte>(Encoding.Latin1.GetBytes(frame));
        Assert.True(RespParser.TryRead(ref buffer, out var reply, out _));
        Assert.True(buffer.IsEmpty);
        return reply;
    }
}
