using Google.Protobuf;
using Guard.Gateway.Inference;
using Guard.Integration.Tests.Infrastructure;
using Guard.Protocol.Inference;
using Guard.Rpc;
using Guard.Rpc.Client;

namespace Guard.Integration.Tests.Interop;

/// <summary>Guard's own gRPC client (the upstream hop) against a real grpcio server, without Guard between.</summary>
public sealed class GuardClientTests : IAsyncLifetime
{

    private PythonUpstream _upstream = null!;
    private GrpcChannel _channel = null!;

    public async Task InitializeAsync()
    {
        _upstream = await PythonUpstream.StartAsync("direct");
        _channel = new GrpcChannel(new Uri(_upstream.Url), new GrpcChannelOptions { Limits = new GrpcLimits { MaxReceiveMessageSize = 128 << 20, MaxSendMessageSize = 128 << 20 } });
    }

    public async Task DisposeAsync()
    {
        _channel.Dispose();
        await _upstream.DisposeAsync();
    }

    [Fact]
    public async Task Unary_call_returns_the_model_output()
    {
        var result = await _channel.UnaryAsync(ClientMethods.Infer, Requests.Simple(), new CallOptions());
        Assert.Equal(Enumerable.Range(1, 16), Requests.Int32Output(result.Response, 0));
        Assert.Equal(Enumerable.Range(-1, 16), Requests.Int32Output(result.Response, 1));
    }

    [Fact]
    public async Task Error_status_and_unicode_message_map_to_RpcException()
    {
        var request = new ModelInferRequest { ModelName = "fail" };
        request.Parameters["code"] = new InferParameter { Int64Param = 5 };
        request.Parameters["message"] = new InferParameter { StringParam = "gone ✗" };
        var ex = await Assert.ThrowsAsync<RpcException>(() => _channel.UnaryAsync(ClientMethods.Infer, request, new CallOptions()));
        Assert.Equal(StatusCode.NotFound, ex.StatusCode);
        Assert.Equal("gone ✗", ex.Status.Message);
    }

    [Fact]
    public async Task Deadline_travels_as_grpc_timeout_and_expires_as_DEADLINE_EXCEEDED()
    {
        // A warm channel, so the deadline is spent at the upstream rather than on connecting; 2 s leaves a busy machine
        // time to get the call to the upstream before the deadline passes.
        await _channel.UnaryAsync(ClientMethods.Infer, Requests.Simple(), new CallOptions());
        var request = new ModelInferRequest { ModelName = "slow", Id = "client-deadline" };
        request.Parameters["delay_ms"] = new InferParameter { Int64Param = 5000 };
        var started = DateTime.UtcNow;
        var ex = await Assert.ThrowsAsync<RpcException>(() => _channel.UnaryAsync(ClientMethods.Infer, request, new CallOptions(Deadline: DateTime.UtcNow.AddMilliseconds(2000))));
        Assert.Equal(StatusCode.DeadlineExceeded, ex.StatusCode);
        Assert.True(DateTime.UtcNow - started < TimeSpan.FromSeconds(4.5));
        await Eventually.TrueAsync(() => _upstream.Stderr.Any(l => l.Contains("client-deadline ended early", StringComparison.Ordinal)), TimeSpan.FromSeconds(10), "upstream stopped at the deadline");
    }

    [Fact]
    public async Task Large_messages_and_gzip_round_trip()
    {
        var data = new byte[40 << 20];
        new Random(7).NextBytes(data.AsSpan(0, 1 << 20));
        var request = new ModelInferRequest { ModelName = "echo" };
        request.Inputs.Add(Requests.Tensor("X", "UINT8", data.Length));
        request.RawInputContents.Add(ByteString.CopyFrom(data));
        var result = await _channel.UnaryAsync(ClientMethods.Infer, request, new CallOptions());
        Assert.True(result.Response.RawOutputContents[0].Span.SequenceEqual(data));

        using var gzip = new GrpcChannel(new Uri(_upstream.Url), new GrpcChannelOptions { RequestCompression = "gzip", Limits = _channel.Options.Limits });
        var headers = new Metadata { { "x-want-compression", "gzip" } };
        var compressed = await gzip.UnaryAsync(ClientMethods.Infer, request, new CallOptions(headers));
        Assert.True(compressed.Response.RawOutputContents[0].Span.SequenceEqual(data));
    }

    [Fact]
    public async Task Bidi_stream_interleaves_requests_and_responses()
    {
        using var call = _channel.StartCall(ClientMethods.StreamInfer, new CallOptions());
        for (var i = 0; i < 5; i++)
        {
            await call.RequestStream.WriteAsync(Requests.Simple($"s{i}"), CancellationToken.None);
            Assert.True(await call.ResponseStream.MoveNext(CancellationToken.None));
            Assert.Equal($"s{i}", call.ResponseStream.Current.InferResponse.Id);
        }

        await call.RequestStream.CompleteAsync();
        Assert.False(await call.ResponseStream.MoveNext(CancellationToken.None));
        Assert.Equal(StatusCode.OK, call.Status?.Code);
    }

    [Fact]
    public async Task Connection_refused_is_UNAVAILABLE_and_marked_not_sent()
    {
        using var nowhere = new GrpcChannel(new Uri("http://127.0.0.1:1"), new GrpcChannelOptions());
        var ex = await Assert.ThrowsAsync<RpcException>(() => nowhere.UnaryAsync(ClientMethods.Infer, Requests.Simple(), new CallOptions()));
        Assert.Equal(StatusCode.Unavailable, ex.StatusCode);
        Assert.True(ex.RequestNotSent);
    }

    [Fact]
    public async Task Unknown_method_on_a_grpcio_server_is_UNIMPLEMENTED()
    {
        var method = new Method<ModelInferRequest, ModelInferResponse>(MethodType.Unary, InferenceMethods.Service, "NoSuch", ClientMethods.Infer.RequestMarshaller, ClientMethods.Infer.ResponseMarshaller);
        var ex = await Assert.ThrowsAsync<RpcException>(() => _channel.UnaryAsync(method, Requests.Simple(), new CallOptions()));
        Assert.Equal(StatusCode.Unimplemented, ex.StatusCode);
    }
}
