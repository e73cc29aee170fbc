using System.Security.Cryptography.X509Certificates;
using Guard.Rpc.Compression;

namespace Guard.Rpc.Client;

public sealed record GrpcChannelOptions
{
    public GrpcLimits Limits { get; init; } = new();

    /// <summary>Encoding for request messages ("gzip", "deflate"), or null to send them uncompressed.</summary>
    public string? RequestCompression { get; init; }

    public CompressionProviders Compression { get; init; } = CompressionProviders.Default;

    public TimeSpan ConnectTimeout { get; init; } = TimeSpan.FromSeconds(5);

    /// <summary>Open more HTTP/2 connections when one reaches the peer's stream limit.</summary>
    public bool EnableMultipleHttp2Connections { get; init; } = true;

    /// <summary>
    /// HTTP/2 PING interval while calls are active. Off by default: grpc-core servers (Triton, grpcio) answer
    /// frequent pings on a quiet connection with GOAWAY "too_many_pings".
    /// </summary>
    public TimeSpan KeepAlivePingDelay { get; init; } = Timeout.InfiniteTimeSpan;

    public TimeSpan KeepAlivePingTimeout { get; init; } = TimeSpan.FromSeconds(10);

    /// <summary>CA certificates that vouch for the server over TLS; when null, the system's store is used.</summary>
    public X509Certificate2Collection? TrustedCertificates { get; init; }

    /// <summary>Client certificate for mutual TLS.</summary>
    public X509Certificate2? ClientCertificate { get; init; }

    /// <summary>Replaces the HTTP handler (tests); the channel then owns and disposes it.</summary>
    public HttpMessageHandler? Handler { get; init; }

    public string UserAgent { get; init; } = "guard-grpc/1.0";
}
