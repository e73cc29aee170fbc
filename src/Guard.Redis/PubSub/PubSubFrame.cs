using System.Text;

namespace Guard.Redis.PubSub;

/// <summary>
/// Recognises pub/sub frames on a subscriber's connection, RESP2 arrays and RESP3 push frames alike: published
/// messages (<c>message channel payload</c>, and the pattern and sharded kinds), which answer no command, and
/// subscription confirmations (<c>subscribe channel count</c> and kin), which answer the command that asked for them.
/// </summary>
internal static class PubSubFrame
{
    public static bool IsPublished(RedisReply reply) =>
        KindIs(reply, "message"u8) || KindIs(reply, "pmessage"u8) || KindIs(reply, "smessage"u8);

    public static bool IsConfirmation(RedisReply reply) =>
        KindIs(reply, "subscribe"u8) || KindIs(reply, "unsubscribe"u8)
        || KindIs(reply, "psubscribe"u8) || KindIs(reply, "punsubscribe"u8)
        || KindIs(reply, "ssubscribe"u8) || KindIs(reply, "sunsubscribe"u8);

    /// <summary>A plain channel's message (<c>message channel payload</c>); false for any other frame.</summary>
    public static bool TryReadMessage(RedisReply reply, out RedisMessage message)
    {
        message = default;
        if (!KindIs(reply, "message"u8) || reply.Items.Count != 3
            || reply.Items[1].Bytes is not { } channel || reply.Items[2].Bytes is not { } payload)
        {
            return false;
        }

        message = new RedisMessage(Encoding.UTF8.GetString(channel), payload);
        return true;
    }

    /// <summary>An array of at least three items whose first is the bulk string <paramref name="kind"/>.</summary>
    private static bool KindIs(RedisReply reply, ReadOnlySpan<byte> kind) =>
        reply.Kind == RedisReplyKind.Array && reply.Items.Count >= 3
        && reply.Items[0] is { Kind: RedisReplyKind.BulkString, Bytes: { } first }
        && first.AsSpan().SequenceEqual(kind);
}
