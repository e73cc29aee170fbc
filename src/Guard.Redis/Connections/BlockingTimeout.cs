using System.Globalization;
using System.Text;
using Guard.Redis.Protocol;

namespace Guard.Redis.Connections;

/// <summary>
/// How long a blocking command may go without a reply: the time it asks the server to block plus CommandTimeout.
/// Blocking for 0 means forever (only cancellation or a broken connection ends it); a command not recognised here
/// gets plain CommandTimeout.
/// </summary>
internal static class BlockingTimeout
{
    public static TimeSpan For(RedisCommand command, TimeSpan commandTimeout)
    {
        var args = command.Args;
        var blockFor = command.Name switch
        {
            // ... key [key ...] timeout (seconds)
            "BLPOP" or "BRPOP" or "BZPOPMIN" or "BZPOPMAX" or "BRPOPLPUSH" or "BLMOVE" => Seconds(args, args.Count - 1),

            // BLMPOP/BZMPOP timeout numkeys key ... (seconds)
            "BLMPOP" or "BZMPOP" => Seconds(args, 1),

            // WAIT numreplicas timeout / WAITAOF numlocal numreplicas timeout (milliseconds)
            "WAIT" => Milliseconds(args, 2),
            "WAITAOF" => Milliseconds(args, 3),

            // XREAD/XREADGROUP ... BLOCK milliseconds ...
            "XREAD" or "XREADGROUP" => Milliseconds(args, IndexAfter(args, "BLOCK")),
            _ => (TimeSpan?)TimeSpan.Zero,
        };

        return blockFor switch
        {
            null => commandTimeout,
            { Ticks: < 0 } => Timeout.InfiniteTimeSpan,
            _ => blockFor.Value + commandTimeout,
        };
    }

    /// <returns>Null when unreadable; negative for "block forever" (0).</returns>
    private static TimeSpan? Seconds(IReadOnlyList<object> args, int index) =>
        Number(args, index) is { } seconds ? seconds == 0 ? TimeSpan.FromTicks(-1) : TimeSpan.FromSeconds(seconds) : null;

    private static TimeSpan? Milliseconds(IReadOnlyList<object> args, int index) =>
        Number(args, index) is { } ms ? ms == 0 ? TimeSpan.FromTicks(-1) : TimeSpan.FromMilliseconds(ms) : null;

    private static int IndexAfter(IReadOnlyList<object> args, string option)
    {
        for (var i = 1; i < args.Count - 1; i++)
        {
            if (args[i] is string text && text.Equals(option, StringComparison.OrdinalIgnoreCase))
            {
                return i + 1;
            }
        }

        return -1;
    }

    private static double? Number(IReadOnlyList<object> args, int index)
    {
        if (index < 1 || index >= args.Count)
        {
            return null;
        }

        var text = args[index] switch
        {
            string s => s,
            byte[] bytes => Encoding.UTF8.GetString(bytes),
            IConvertible convertible => convertible.ToString(CultureInfo.InvariantCulture),
            _ => null,
        };
        return double.TryParse(text, NumberStyles.Float, CultureInfo.InvariantCulture, out var value) && value >= 0 ? value : null;
    }
}
