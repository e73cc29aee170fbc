using System.Net;
using Microsoft.AspNetCore.Server.Kestrel.Core;

namespace Guard.Gateway.Hosting;

/// <summary>Which listener a connection arrived on; set per connection so requests need no port arithmetic.</summary>
public enum ListenerKind
{
    Grpc,
    Http,
}

/// <summary>
/// The listeners' addresses. Kestrel writes the bound port back into its listen options, so once the host
/// has started these are the real ports, also when the configuration asked for port 0.
/// </summary>
public sealed class ListenerAddresses
{
    private ListenOptions? _grpc;
    private ListenOptions? _http;

    public IPEndPoint? Grpc => _grpc?.IPEndPoint;

    public IPEndPoint? Http => _http?.IPEndPoint;

    public bool GrpcUsesTls { get; private set; }

    internal void SetGrpc(ListenOptions listen, bool tls)
    {
        _grpc = listen;
        GrpcUsesTls = tls;
    }

    internal void SetHttp(ListenOptions listen) => _http = listen;
}
