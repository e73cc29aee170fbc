namespace Guard.Rpc;

/// <summary>A gRPC status: code plus a human-readable message (sent percent-encoded in <c>grpc-message</c>).</summary>
public readonly record struct Status(StatusCode Code, string Message)
{
    public static readonly Status Ok = new(StatusCode.OK, "");

    public override string ToString() => $"{Code}: {Message}";
}
