using System.Globalization;

namespace Guard.Redis.Cluster;

/// <summary>A cluster redirect error: "MOVED slot host:port" (the slot has a new owner) or "ASK slot host:port" (this one key is mid-migration).</summary>
internal readonly record struct Redirect(bool IsAsk, int Slot, RedisEndPoint Target)
{
    /// <param name="from">The node that answered: an empty host in the error means its host.</param>
    public static bool TryParse(RedisReply reply, RedisEndPoint from, out Redirect redirect)
    {
        redirect = default;
        var text = reply.Kind == RedisReplyKind.Error ? reply.Text : null;
        if (text is null)
        {
            return false;
        }

        bool isAsk;
        if (text.StartsWith("MOVED ", StringComparison.Ordinal))
        {
            isAsk = false;
        }
        else if (text.StartsWith("ASK ", StringComparison.Ordinal))
        {
            isAsk = true;
        }
        else
        {
            return false;
        }

        var parts = text.Split(' ', StringSplitOptions.RemoveEmptyEntries);
        if (parts.Length < 3 || !int.TryParse(parts[1], NumberStyles.None, CultureInfo.InvariantCulture, out var slot) || slot >= HashSlot.Count)
        {
            return false;
        }

        RedisEndPoint target;
        try
        {
            target = RedisEndPoint.Parse(parts[2]);
        }
        catch (FormatException)
        {
            return false;
        }

        if (target.Host.Length == 0)
        {
            target = target with { Host = from.Host };
        }

        redirect = new Redirect(isAsk, slot, target);
        return true;
    }
}
