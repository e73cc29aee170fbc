using System.Net;
using System.Security.Cryptography.X509Certificates;
using Microsoft.AspNetCore.Http;

namespace Guard.Rpc.Server;

/// <summary>What a server handler knows about its call: who called, with which metadata, until when.</summary>
public sealed class ServerCallContext
{
    private readonly HttpContext _httpContext;
    private readonly Func<Metadata, Task> _writeResponseHeaders;
    private readonly Action<IDisposable> _registerForDispose;

    internal ServerCallContext(
        HttpContext httpContext,
        string method,
        Metadata requestHeaders,
        DateTime? deadline,
        Func<Metadata, Task> writeResponseHeaders,
        Action<IDisposable> registerForDispose,
        CancellationToken cancellationToken)
    {
        _httpContext = httpContext;
        _writeResponseHeaders = writeResponseHeaders;
        _registerForDispose = registerForDispose;
        Method = method;
        RequestHeaders = requestHeaders;
        Deadline = deadline;
        CancellationToken = cancellationToken;
    }

    /// <summary>The method path, <c>/package.Service/Method</c>.</summary>
    public string Method { get; }

    public Metadata RequestHeaders { get; }

    /// <summary>UTC deadline from <c>grpc-timeout</c>, or null when the caller set none.</summary>
    public DateTime? Deadline { get; }

    /// <summary>Cancelled when the deadline passes or the client resets the stream.</summary>
    public CancellationToken CancellationToken { get; }

    /// <summary>Custom metadata to send with the status.</summary>
    public Metadata ResponseTrailers { get; } = new();

    public IPAddress? RemoteIpAddress => _httpContext.Connection.RemoteIpAddress;

    public int RemotePort => _httpContext.Connection.RemotePort;

    /// <summary>The peer as <c>ipv4:1.2.3.4:5678</c> / <c>ipv6:[::1]:5678</c>, like grpc's <c>peer()</c>.</summary>
    public string Peer => RemoteIpAddress is null
        ? "unknown"
        : RemoteIpAddress.AddressFamily == System.Net.Sockets.AddressFamily.InterNetworkV6
            ? $"ipv6:[{RemoteIpAddress}]:{RemotePort}"
            : $"ipv4:{RemoteIpAddress}:{RemotePort}";

    public int LocalPort => _httpContext.Connection.LocalPort;

    public X509Certificate2? ClientCertificate => _httpContext.Connection.ClientCertificate;

    /// <summary>Sends response headers now (at most once, before the first message).</summary>
    public Task WriteResponseHeadersAsync(Metadata headers) => _writeResponseHeaders(headers);

    /// <summary>Disposes <paramref name="disposable"/> when the call has ended and its response is written.</summary>
    public void RegisterForDispose(IDisposable disposable) => _registerForDispose(disposable);

    /// <summary>The time left before the deadline, or null when there is none.</summary>
    public TimeSpan? RemainingTime => Deadline is { } d ? d - DateTime.UtcNow : null;
}
