namespace Guard.Redis;

/// <summary>Redis answered with an error reply (e.g. WRONGTYPE, NOPERM); the connection is fine.</summary>
public sealed class RedisServerException : Exception
{
    public RedisServerException() { }

    public RedisServerException(string message) : base(message) { }

    public RedisServerException(string message, Exception innerException) : base(message, innerException) { }

    /// <summary>The error's first word (WRONGTYPE, NOSCRIPT, MOVED, ...).</summary>
    public string Prefix => Message.Split(' ', 2)[0];
}

/// <summary>
/// Redis could not be reached, or did not answer within the command timeout, or the connection broke before the
/// reply. Whether the command ran is unknown.
/// </summary>
public sealed class RedisConnectionException : Exception
{
    public RedisConnectionException() { }

    public RedisConnectionException(string message) : base(message) { }

    public RedisConnectionException(string message, Exception innerException) : base(message, innerException) { }
}
