using System.Net;
using System.Net.Sockets;
using Guard.Rpc.Client;
using Guard.Rpc.Tests.Support;

namespace Guard.Rpc.Tests.EndToEnd;

/// <summary>Calls to an address where nothing listens.</summary>
public class ConnectionTests
{
    private static Uri UnusedAddress()
    {
        using var listener = new TcpListener(IPAddress.Loopback, 0);
        listener.Start();
        var port = ((IPEndPoint)listener.LocalEndpoint).Port;
        listener.Stop();
        return new Uri($"http://127.0.0.1:{port}/");
    }

    [Fact]
    public async Task Connection_refused_is_unavailable_and_marked_as_not_sent()
    {
        using var channel = new GrpcChannel(UnusedAddress(), new GrpcChannelOptions());
        using var call = channel.StartCall(TestMethods.Unary, default);

        var ex = await Assert.ThrowsAsync<RpcException>(() => call.ResponseHeadersAsync().Within());

        Assert.Equal(StatusCode.Unavailable, ex.StatusCode);
        Assert.True(ex.RequestNotSent);
        Assert.Equal(StatusCode.Unavailable, call.Status?.Code);
    }

    // Regression: like a deadline in the past, a refused connection means SocketsHttpHandler never asks for
    // the request body; the write UnaryAsync awaits must fail so that the call reports UNAVAILABLE.
    [Fact]
    public async Task A_unary_call_to_a_refused_connection_fails_with_unavailable_and_not_sent()
    {
        using var channel = new GrpcChannel(UnusedAddress(), new GrpcChannelOptions());

        var ex = await Assert.ThrowsAsync<RpcException>(() =>
            channel.UnaryAsync(TestMethods.Unary, "x", default).WaitAsync(TimeSpan.FromSeconds(5)));

        Assert.Equal(StatusCode.Unavailable, ex.StatusCode);
        Assert.True(ex.RequestNotSent);
    }

    [Fact]
    public void Only_http_and_https_addresses_are_accepted()
    {
        Assert.Throws<ArgumentException>(() => new GrpcChannel(new Uri("ftp://127.0.0.1/"), new GrpcChannelOptions()));
    }

    [Fact]
    public void An_unknown_request_compression_is_refused_when_the_call_starts()
    {
        using var channel = new GrpcChannel(UnusedAddress(), new GrpcChannelOptions { RequestCompression = "br" });

        Assert.Throws<ArgumentException>(() => channel.StartCall(TestMethods.Unary, default));
    }
}
