using System.Net;
using Microsoft.AspNetCore.Server.Kestrel.Core;

namespace Guard.Gateway.Hosting;

/// <summary>Which listener a connection arrived on; set per connection so requests need no port arithmetic.</summary>
public enum ListenerKind
{
    Grpc,
    Http,

    /// <summary>The console and its JSON API.</summary>
    Admin,

    /// <summary>The gRPC admin service.</summary>
    AdminGrpc,
}

/// <summary>
/// The listeners' addresses. Kestrel writes the bound port back into its listen options, so once the host
/// has started these are the real ports, also when the configuration asked for port 0.
/// </summary>
public sealed class ListenerAddresses
{
    private ListenOptions? _grpc;
    private ListenOptions? _http;
    private ListenOptions? _admin;
    private ListenOptions? _adminGrpc;

    public IPEndPoint? Grpc => _grpc?.IPEndPoint;

    public IPEndPoint? Http => _http?.IPEndPoint;

    public IPEndPoint? Admin => _admin?.IPEndPoint;

    public IPEndPoint? AdminGrpc => _adminGrpc?.IPEndPoint;

    public bool GrpcUsesTls { get; private set; }

    internal void SetGrpc(ListenOptions listen, bool tls)
    {
        _grpc = listen;
        GrpcUsesTls = tls;
    }

    internal void SetHttp(ListenOptions listen) => _http = listen;

    internal void SetAdmin(ListenOptions listen) => _admin = listen;

    internal void SetAdminGrpc(ListenOptions listen) => _adminGrpc = listen;
}
