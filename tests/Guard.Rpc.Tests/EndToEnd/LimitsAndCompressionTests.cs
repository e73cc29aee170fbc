using Guard.Rpc.Client;
using Guard.Rpc.Server;
using Guard.Rpc.Tests.Support;

namespace Guard.Rpc.Tests.EndToEnd;

/// <summary>Large messages, message size limits and message compression.</summary>
public class LimitsAndCompressionTests
{
    private const int MiB = 1024 * 1024;

    [Fact]
    public async Task A_32_MiB_message_travels_intact_both_ways()
    {
        // 32 MiB is also above Kestrel's default 30 MB request body limit, which a gRPC server must lift.
        await using var server = await TestServer.StartAsync(r => r.AddUnary(TestMethods.Bytes, (request, _) =>
        {
            var reply = request.ToArray();
            Array.Reverse(reply);
            return Task.FromResult<ReadOnlyMemory<byte>>(reply);
        }));
        var channel = server.CreateChannel();
        var payload = TestMethods.Pattern(32 * MiB, seed: 32);

        var result = await channel.UnaryAsync(TestMethods.Bytes, payload, default).Within();

        var expected = payload.ToArray();
        Array.Reverse(expected);
        Assert.True(expected.AsSpan().SequenceEqual(result.Response.Span), "the 32 MiB response differs from the reversed request");
    }

    [Fact]
    public async Task A_request_above_the_servers_max_receive_size_is_resource_exhausted()
    {
        var called = false;
        await using var server = await TestServer.StartAsync(
            r => r.AddUnary(TestMethods.Bytes, (request, _) =>
            {
                called = true;
                return Task.FromResult(request);
            }),
            new GrpcServerOptions { Limits = new GrpcLimits { MaxReceiveMessageSize = MiB } });
        var channel = server.CreateChannel();

        var ex = await Assert.ThrowsAsync<RpcException>(() => channel.UnaryAsync(TestMethods.Bytes, new byte[2 * MiB], default).Within());

        Assert.Equal(StatusCode.ResourceExhausted, ex.StatusCode);
        Assert.False(called);

        // A message right at the limit still goes through, on the same channel.
        var ok = await channel.UnaryAsync(TestMethods.Bytes, new byte[MiB], default).Within();
        Assert.Equal(MiB, ok.Response.Length);
    }

    [Fact]
    public async Task A_response_above_the_clients_max_receive_size_is_resource_exhausted()
    {
        await using var server = await TestServer.StartAsync(r => r.AddUnary(TestMethods.Bytes, (_, _) =>
            Task.FromResult<ReadOnlyMemory<byte>>(new byte[2 * MiB])));
        var channel = server.CreateChannel(new GrpcChannelOptions { Limits = new GrpcLimits { MaxReceiveMessageSize = MiB } });

        var ex = await Assert.ThrowsAsync<RpcException>(() => channel.UnaryAsync(TestMethods.Bytes, new byte[1], default).Within());

        Assert.Equal(StatusCode.ResourceExhausted, ex.StatusCode);
    }

    [Fact]
    public async Task A_request_above_the_clients_max_send_size_is_resource_exhausted_without_reaching_the_server()
    {
        var called = false;
        await using var server = await TestServer.StartAsync(r => r.AddUnary(TestMethods.Bytes, (request, _) =>
        {
            called = true;
            return Task.FromResult(request);
        }));
        var channel = server.CreateChannel(new GrpcChannelOptions { Limits = new GrpcLimits { MaxSendMessageSize = 1000 } });

        using var call = channel.StartCall(TestMethods.Bytes, default);
        var ex = await Assert.ThrowsAsync<RpcException>(() => call.RequestStream.WriteAsync(new byte[1001], CancellationToken.None).Within());

        Assert.Equal(StatusCode.ResourceExhausted, ex.StatusCode);
        Assert.False(called);
    }

    [Fact]
    public async Task A_response_above_the_servers_max_send_size_is_resource_exhausted()
    {
        await using var server = await TestServer.StartAsync(
            r => r.AddUnary(TestMethods.Bytes, (_, _) => Task.FromResult<ReadOnlyMemory<byte>>(new byte[1001])),
            new GrpcServerOptions { Limits = new GrpcLimits { MaxSendMessageSize = 1000 } });
        var channel = server.CreateChannel();

        var ex = await Assert.ThrowsAsync<RpcException>(() => channel.UnaryAsync(TestMethods.Bytes, new byte[1], default).Within());

        Assert.Equal(StatusCode.ResourceExhausted, ex.StatusCode);
    }

    [Theory]
    [InlineData("gzip")]
    [InlineData("deflate")]
    public async Task Request_compression_compresses_on_the_wire_and_the_server_gets_the_original(string encoding)
    {
        byte[]? received = null;
        await using var server = await TestServer.StartAsync(
            r => r.AddUnary(TestMethods.Bytes, (request, _) =>
            {
                received = request.ToArray();
                return Task.FromResult<ReadOnlyMemory<byte>>(new byte[] { 1 });
            }),
            tapRequests: true);
        var channel = server.CreateChannel(new GrpcChannelOptions { RequestCompression = encoding });
        var payload = Compressible(MiB);

        await channel.UnaryAsync(TestMethods.Bytes, payload, default).Within();

        Assert.Equal(payload, received);
        var tap = Assert.Single(server.Taps);
        Assert.Equal(encoding, tap.Headers["grpc-encoding"]);
        var wire = tap.Body.ToArray();
        Assert.Equal(1, wire[0]); // compressed flag
        Assert.True(wire.Length < payload.Length / 4, $"{wire.Length} bytes on the wire for a {payload.Length}-byte message");
    }

    [Fact]
    public async Task Response_compression_from_server_options_is_decompressed_by_the_client()
    {
        var payload = Compressible(2 * MiB);
        await using var server = await TestServer.StartAsync(
            r => r.AddUnary(TestMethods.Bytes, (_, _) => Task.FromResult<ReadOnlyMemory<byte>>(payload)),
            new GrpcServerOptions { ResponseCompression = "gzip" });
        var channel = server.CreateChannel();

        var result = await channel.UnaryAsync(TestMethods.Bytes, new byte[1], default).Within();
        Assert.Equal(payload, result.Response.ToArray());

        // The same call by hand shows what travelled: a gzip-flagged, compressed frame.
        var raw = await RawGrpc.PostAsync(server.CreateRawClient(), server.Address, "/test.Echo/Bytes", RawGrpc.Frame([0]),
            headers: [new("grpc-accept-encoding", "identity,gzip")]).Within();
        Assert.Equal(0, raw.GrpcStatus);
        Assert.Equal("gzip", raw.Header("grpc-encoding"));
        Assert.Equal(1, raw.Body[0]);
        Assert.True(raw.Body.Length < payload.Length / 4);
    }

    [Fact]
    public async Task A_compressed_request_gets_a_response_in_the_same_encoding()
    {
        var payload = Compressible(MiB);
        await using var server = await TestServer.StartAsync(TestMethods.AddEcho);
        var client = server.CreateRawClient();

        Assert.True(Compression.CompressionProviders.Default.TryGet("deflate", out var deflate));
        var body = RawGrpc.Frame(Compression.CompressionProviders.Default.Compress(deflate, payload), flag: 1);
        var raw = await RawGrpc.PostAsync(client, server.Address, "/test.Echo/Bytes", body,
            headers: [new("grpc-encoding", "deflate"), new("grpc-accept-encoding", "identity,deflate,gzip")]).Within();

        Assert.Equal(0, raw.GrpcStatus);
        Assert.Equal("deflate", raw.Header("grpc-encoding"));
        Assert.Equal(1, raw.Body[0]);
        Assert.Equal(payload, Compression.CompressionProviders.Decompress(deflate, raw.Body.AsMemory(5), 2 * MiB));
    }

    [Fact]
    public async Task A_compressed_request_that_inflates_past_the_servers_limit_is_resource_exhausted()
    {
        await using var server = await TestServer.StartAsync(
            TestMethods.AddEcho,
            new GrpcServerOptions { Limits = new GrpcLimits { MaxReceiveMessageSize = MiB } });
        var channel = server.CreateChannel(new GrpcChannelOptions { RequestCompression = "gzip" });

        var ex = await Assert.ThrowsAsync<RpcException>(() => channel.UnaryAsync(TestMethods.Bytes, new byte[10 * MiB], default).Within());

        Assert.Equal(StatusCode.ResourceExhausted, ex.StatusCode);
    }

    private static byte[] Compressible(int length)
    {
        var bytes = new byte[length];
        for (var i = 0; i < bytes.Length; i++)
        {
            bytes[i] = (byte)"compressible text, repeated "[i % 28];
        }

        return bytes;
    }
}
