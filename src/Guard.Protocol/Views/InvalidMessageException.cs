namespace Guard.Protocol;

/// <summary>
/// Thrown when a serialized message is not well-formed protobuf for the type being read
/// (truncated, bad tag or wire type, a length past the end of the buffer, invalid UTF-8, ...).
/// </summary>
public sealed class InvalidMessageException : Exception
{
    public InvalidMessageException()
        : base("malformed message")
    {
    }

    public InvalidMessageException(string message)
        : base(message)
    {
    }

    public InvalidMessageException(string message, Exception innerException)
        : base(message, innerException)
    {
    }
}
