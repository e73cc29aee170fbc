namespace Guard.Rpc;

/// <summary>Thrown by handlers to end a call with a status, and by the client when a call ends with a non-OK status.</summary>
public sealed class RpcException : Exception
{
    public RpcException(Status status, Metadata? trailers = null)
        : base(status.ToString())
    {
        Status = status;
        Trailers = trailers ?? new Metadata();
    }

    public RpcException(StatusCode code, string message)
        : this(new Status(code, message))
    {
    }

    public Status Status { get; }

    public StatusCode StatusCode => Status.Code;

    /// <summary>Trailing metadata sent with (server) or received with (client) the status.</summary>
    public Metadata Trailers { get; }

    /// <summary>
    /// Client side: the request never reached the peer (connection refused, TLS failure, stream refused),
    /// so sending it again, elsewhere, cannot run it twice.
    /// </summary>
    public bool RequestNotSent { get; init; }
}
