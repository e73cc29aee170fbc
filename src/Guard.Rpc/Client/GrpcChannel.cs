using System.Net;
using System.Net.Security;
using System.Security.Cryptography.X509Certificates;

namespace Guard.Rpc.Client;

/// <summary>
/// A client endpoint: one address, a pool of multiplexed HTTP/2 connections (h2c for http://, TLS with ALPN
/// for https://), and the calls made over them. Thread-safe; meant to live as long as the endpoint.
/// </summary>
public sealed class GrpcChannel : IDisposable
{
    private readonly HttpMessageInvoker _invoker;

    public GrpcChannel(Uri address, GrpcChannelOptions options)
    {
        if (address.Scheme != Uri.UriSchemeHttp && address.Scheme != Uri.UriSchemeHttps)
        {
            throw new ArgumentException($"Address '{address}' must use http:// (h2c) or https:// (TLS).", nameof(address));
        }

        Address = address;
        Options = options;
        _invoker = new HttpMessageInvoker(options.Handler ?? CreateHandler(options), disposeHandler: true);
    }

    public Uri Address { get; }

    public GrpcChannelOptions Options { get; }

    internal HttpMessageInvoker Invoker => _invoker;

    /// <summary>Starts a call of any kind; the caller writes requests and reads responses, then disposes it.</summary>
    public GrpcCall<TRequest, TResponse> StartCall<TRequest, TResponse>(Method<TRequest, TResponse> method, CallOptions options) =>
        new(this, method, options);

    /// <summary>Makes a unary call; a non-OK status is thrown as <see cref="RpcException"/>.</summary>
    public async Task<UnaryResult<TResponse>> UnaryAsync<TRequest, TResponse>(Method<TRequest, TResponse> method, TRequest request, CallOptions options)
    {
        using var call = StartCall(method, options);
        var buffers = new MessageBuffers();
        call.ResponseBuffers = buffers;
        try
        {
            await call.RequestStream.WriteAsync(request, options.CancellationToken);
            await call.RequestStream.CompleteAsync();
        }
        catch (Exception)
        {
            // The server may answer before it reads the request (an unknown method, say): its status,
            // read below, says more than the failed write.
        }

        try
        {
            var headers = await call.ResponseHeadersAsync();
            if (!await call.ResponseStream.MoveNext(options.CancellationToken))
            {
                throw new RpcException(StatusCode.Internal, "The server ended a unary call without a response message.");
            }

            var response = call.ResponseStream.Current;
            if (await call.ResponseStream.MoveNext(options.CancellationToken))
            {
                throw new RpcException(StatusCode.Internal, "The server sent more than one response message to a unary call.");
            }

            if (!method.ResponseMarshaller.RetainsPayload)
            {
                // The message was copied out: the buffer is free for the next call now.
                buffers.Dispose();
                return new UnaryResult<TResponse>(response, headers, call.GetTrailers());
            }

            return new UnaryResult<TResponse>(response, headers, call.GetTrailers(), buffers);
        }
        catch
        {
            buffers.Dispose();
            throw;
        }
    }

    public void Dispose() => _invoker.Dispose();

    private static SocketsHttpHandler CreateHandler(GrpcChannelOptions options)
    {
        var handler = new SocketsHttpHandler
        {
            EnableMultipleHttp2Connections = options.EnableMultipleHttp2Connections,
            ConnectTimeout = options.ConnectTimeout,
            KeepAlivePingDelay = options.KeepAlivePingDelay,
            KeepAlivePingTimeout = options.KeepAlivePingTimeout,
            KeepAlivePingPolicy = HttpKeepAlivePingPolicy.WithActiveRequests,
            PooledConnectionIdleTimeout = TimeSpan.FromMinutes(5),
            AutomaticDecompression = DecompressionMethods.None,
            UseCookies = false,
            UseProxy = false,
            AllowAutoRedirect = false,

            // Tensors are large: a 64 KiB starting window makes a 1 MiB response wait on WINDOW_UPDATE round trips.
            InitialHttp2StreamWindowSize = 4 * 1024 * 1024,
        };
        if (options.TrustedCertificates is { } roots || options.ClientCertificate is not null)
        {
            handler.SslOptions = new SslClientAuthenticationOptions
            {
                ClientCertificates = options.ClientCertificate is { } cert ? new X509CertificateCollection { cert } : null,
                RemoteCertificateValidationCallback = options.TrustedCertificates is { } trusted
                    ? (_, certificate, _, errors) => ValidateAgainst(trusted, certificate, errors)
                    : null,
            };
        }

        return handler;
    }

    private static bool ValidateAgainst(X509Certificate2Collection trusted, X509Certificate? certificate, SslPolicyErrors errors)
    {
        if (certificate is null || (errors & SslPolicyErrors.RemoteCertificateNameMismatch) != 0)
        {
            return false;
        }

        using var chain = new X509Chain();
        chain.ChainPolicy.TrustMode = X509ChainTrustMode.CustomRootTrust;
        chain.ChainPolicy.CustomTrustStore.AddRange(trusted);
        chain.ChainPolicy.RevocationMode = X509RevocationMode.NoCheck;
        return chain.Build(certificate as X509Certificate2 ?? X509CertificateLoader.LoadCertificate(certificate.GetRawCertData()));
    }
}
