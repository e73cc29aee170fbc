namespace Guard.Rpc.Client;

/// <summary>Per-call settings: metadata to send, an absolute UTC deadline, and the caller's cancellation.</summary>
public readonly record struct CallOptions(Metadata? Headers = null, DateTime? Deadline = null, CancellationToken CancellationToken = default);

/// <summary>
/// The response of a unary call with the metadata around it. When the response marshaller keeps the payload
/// (raw bytes), <see cref="Buffers"/> holds its pooled memory: dispose it once the response is no longer read.
/// </summary>
public sealed record UnaryResult<TResponse>(TResponse Response, Metadata Headers, Metadata Trailers, MessageBuffers? Buffers = null);
