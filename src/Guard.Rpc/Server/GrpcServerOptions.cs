using Guard.Rpc.Compression;

namespace Guard.Rpc.Server;

public sealed record GrpcServerOptions
{
    public GrpcLimits Limits { get; init; } = new();

    /// <summary>
    /// Encoding for responses when the client accepts it (e.g. "gzip"). When null, a response is compressed
    /// only with the encoding the client used for its request.
    /// </summary>
    public string? ResponseCompression { get; init; }

    public CompressionProviders Compression { get; init; } = CompressionProviders.Default;

    /// <summary>Put exception messages into UNKNOWN statuses. Off in production: they can leak internals.</summary>
    public bool EnableDetailedErrors { get; init; }
}
