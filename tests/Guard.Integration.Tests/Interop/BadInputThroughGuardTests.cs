using Google.Protobuf;
using Guard.Gateway.Inference;
using Guard.Integration.Tests.Infrastructure;
using Guard.Protocol.Inference;
using Guard.Rpc;
using Guard.Rpc.Client;

namespace Guard.Integration.Tests.Interop;

/// <summary>Bad requests through the whole stack get a clear status naming the problem, and Guard keeps serving.</summary>
public sealed class BadInputThroughGuardTests(ProxyFixture fixture) : IClassFixture<ProxyFixture>
{

    private GrpcChannel Channel() => new(fixture.Guard.GrpcUri, new GrpcChannelOptions { Limits = new GrpcLimits { MaxSendMessageSize = 256 << 20 } });

    private async Task<RpcException> Fails(ModelInferRequest request)
    {
        using var channel = Channel();
        return await Assert.ThrowsAsync<RpcException>(() => channel.UnaryAsync(ClientMethods.Infer, request, new CallOptions()));
    }

    [Fact]
    public async Task Wrong_datatype_is_INVALID_ARGUMENT_naming_the_tensor()
    {
        var request = Requests.Simple();
        request.Inputs[0].Datatype = "FP32";
        var ex = await Fails(request);
        Assert.Equal(StatusCode.InvalidArgument, ex.StatusCode);
        Assert.Contains("INPUT0", ex.Status.Message, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Wrong_shape_and_short_raw_contents_are_INVALID_ARGUMENT()
    {
        var request = Requests.Simple();
        request.Inputs[1].Shape[1] = 8;
        request.RawInputContents[1] = ByteString.CopyFrom(new byte[32]);
        var ex = await Fails(request);
        Assert.Equal(StatusCode.InvalidArgument, ex.StatusCode);
        Assert.Contains("INPUT1", ex.Status.Message, StringComparison.Ordinal);

        request = Requests.Simple();
        request.RawInputContents[0] = ByteString.CopyFrom(new byte[60]);
        ex = await Fails(request);
        Assert.Contains("input 'INPUT0': raw content is 60 bytes", ex.Status.Message, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Missing_input_and_unknown_input_are_named()
    {
        var request = Requests.Simple();
        request.Inputs.RemoveAt(1);
        request.RawInputContents.RemoveAt(1);
        var ex = await Fails(request);
        Assert.Equal(StatusCode.InvalidArgument, ex.StatusCode);
        Assert.Contains("INPUT1", ex.Status.Message, StringComparison.Ordinal);

        request = Requests.Simple();
        request.Inputs[1].Name = "BOGUS";
        ex = await Fails(request);
        Assert.Contains("BOGUS", ex.Status.Message, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Malformed_protobuf_is_INVALID_ARGUMENT_not_a_crash()
    {
        var raw = new Method<ReadOnlyMemory<byte>, ReadOnlyMemory<byte>>(MethodType.Unary, InferenceMethods.Service, "ModelInfer", Marshallers.Raw, Marshallers.Raw);
        using var channel = Channel();
        var random = new Random(11);
        for (var i = 0; i < 50; i++)
        {
            var garbage = new byte[random.Next(1, 300)];
            random.NextBytes(garbage);
            try
            {
                await channel.UnaryAsync(raw, garbage, new CallOptions());
            }
            catch (RpcException ex)
            {
                Assert.True(ex.StatusCode is StatusCode.InvalidArgument or StatusCode.NotFound, ex.Status.ToString());
            }
        }

        var ok = await channel.UnaryAsync(ClientMethods.Infer, Requests.Simple(), new CallOptions());
        Assert.Equal(Enumerable.Range(1, 16), Requests.Int32Output(ok.Response, 0));
    }

    [Fact]
    public async Task Request_without_model_name_and_unknown_model_are_answered_clearly()
    {
        var ex = await Fails(new ModelInferRequest());
        Assert.Equal(StatusCode.InvalidArgument, ex.StatusCode);
        Assert.Contains("names no model", ex.Status.Message, StringComparison.Ordinal);

        var unknown = Requests.Simple();
        unknown.ModelName = "nope";
        ex = await Fails(unknown);
        Assert.Equal(StatusCode.NotFound, ex.StatusCode);
        Assert.Contains("'nope'", ex.Status.Message, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Message_over_the_listener_limit_is_RESOURCE_EXHAUSTED()
    {
        var request = new ModelInferRequest { ModelName = "echo" };
        request.Inputs.Add(Requests.Tensor("X", "UINT8", 65 << 20));
        request.RawInputContents.Add(ByteString.CopyFrom(new byte[65 << 20]));
        var ex = await Fails(request);
        Assert.Equal(StatusCode.ResourceExhausted, ex.StatusCode);
    }
}
