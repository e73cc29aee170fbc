namespace Guard.Rpc;

/// <summary>Message size limits for one endpoint; larger messages end the call with RESOURCE_EXHAUSTED.</summary>
public sealed record GrpcLimits
{
    public const int DefaultMaxMessageSize = 64 * 1024 * 1024;

    public int MaxReceiveMessageSize { get; init; } = DefaultMaxMessageSize;

    public int MaxSendMessageSize { get; init; } = DefaultMaxMessageSize;
}
