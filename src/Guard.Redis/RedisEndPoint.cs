using System.Globalization;

namespace Guard.Redis;

/// <summary>A node's host and port, as configured or as named by the cluster (CLUSTER SLOTS, MOVED, ASK).</summary>
internal sealed record RedisEndPoint(string Host, int Port)
{
    public const int DefaultPort = 6379;

    /// <summary>Parses host:port, [v6]:port or a bare host (port 6379).</summary>
    /// <exception cref="FormatException">Not an endpoint.</exception>
    public static RedisEndPoint Parse(string value)
    {
        ArgumentNullException.ThrowIfNull(value);
        var text = value.Trim();
        string host;
        var port = DefaultPort;
        if (text.StartsWith('['))
        {
            var close = text.IndexOf(']', StringComparison.Ordinal);
            if (close < 0)
            {
                throw new FormatException($"Redis endpoint '{value}' has no closing bracket.");
            }

            host = text[1..close];
            if (close + 1 < text.Length)
            {
                port = ParsePort(text[(close + 1)..].TrimStart(':'), value);
            }
        }
        else
        {
            // The last colon separates the port, which also reads the unbracketed IPv6 form MOVED replies use.
            var colon = text.LastIndexOf(':');
            host = colon < 0 ? text : text[..colon];
            if (colon >= 0)
            {
                port = ParsePort(text[(colon + 1)..], value);
            }
        }

        return new RedisEndPoint(host, port);
    }

    public override string ToString() => Host.Contains(':', StringComparison.Ordinal) ? $"[{Host}]:{Port}" : $"{Host}:{Port}";

    private static int ParsePort(string text, string value) =>
        int.TryParse(text, NumberStyles.None, CultureInfo.InvariantCulture, out var port) && port is > 0 and <= 65535
            ? port
            : throw new FormatException($"Redis endpoint '{value}' has no valid port.");
}
