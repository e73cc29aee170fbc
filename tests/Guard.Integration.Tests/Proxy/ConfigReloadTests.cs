using Guard.Gateway.Inference;
using Guard.Gateway.Runtime;
using Guard.Integration.Tests.Infrastructure;
using Guard.Protocol.Inference;
using Guard.Rpc;
using Guard.Rpc.Client;

namespace Guard.Integration.Tests.Proxy;

/// <summary>Configuration changes take effect without a restart and without dropping connections or calls.</summary>
public sealed class ConfigReloadTests
{

    private static string Config(string upstreamUrl, string models) => $$"""
        upstreams:
          py:
            endpoints: [ "{{upstreamUrl}}" ]
        models:
        {{models}}
        policies:
          default:
            validation: { enabled: true }
        """;

    [Fact]
    public async Task A_new_model_route_applies_live_while_an_open_stream_keeps_working()
    {
        await using var upstream = await PythonUpstream.StartAsync("py");
        await using var guard = await GuardServer.StartAsync(Config(upstream.Url, "  simple: { upstream: py }"));
        var state = guard.Get<GatewayState>();
        using var channel = new GrpcChannel(guard.GrpcUri, new GrpcChannelOptions());

        using var stream = channel.StartCall(ClientMethods.StreamInfer, new CallOptions());
        await stream.RequestStream.WriteAsync(Requests.Simple("before"), CancellationToken.None);
        Assert.True(await stream.ResponseStream.MoveNext(CancellationToken.None));

        var echo = new ModelInferRequest { ModelName = "echo" };
        echo.Inputs.Add(Requests.Tensor("X", "UINT8", 4));
        echo.RawInputContents.Add(Google.Protobuf.ByteString.CopyFrom(1, 2, 3, 4));
        var ex = await Assert.ThrowsAsync<RpcException>(() => channel.UnaryAsync(ClientMethods.Infer, echo, new CallOptions()));
        Assert.Equal(StatusCode.NotFound, ex.StatusCode);

        var generation = state.Current.Generation;
        var endpointBefore = state.Current.Clusters["py"].Endpoints[0];
        await guard.RewriteConfigAsync(Config(upstream.Url, "  simple: { upstream: py }\n  echo: { upstream: py }"));
        await Eventually.TrueAsync(() => state.Current.Generation > generation, TimeSpan.FromSeconds(15), "reload");

        var result = await channel.UnaryAsync(ClientMethods.Infer, echo, new CallOptions());
        Assert.Equal(new byte[] { 1, 2, 3, 4 }, result.Response.RawOutputContents[0].ToByteArray());

        // The unchanged endpoint (and its connections) was carried over, and the stream opened before goes on.
        Assert.Same(endpointBefore, state.Current.Clusters["py"].Endpoints[0]);
        await stream.RequestStream.WriteAsync(Requests.Simple("after"), CancellationToken.None);
        Assert.True(await stream.ResponseStream.MoveNext(CancellationToken.None));
        Assert.Equal("after", stream.ResponseStream.Current.InferResponse.Id);
        await stream.RequestStream.CompleteAsync();
        Assert.False(await stream.ResponseStream.MoveNext(CancellationToken.None));
        Assert.Contains("guard_config_reloads_total{result=\"applied\"}", await guard.MetricsAsync(), StringComparison.Ordinal);
    }

    [Fact]
    public async Task An_invalid_change_is_rejected_and_the_previous_configuration_stays_in_force()
    {
        await using var upstream = await PythonUpstream.StartAsync("py");
        await using var guard = await GuardServer.StartAsync(Config(upstream.Url, "  simple: { upstream: py }"));
        var state = guard.Get<GatewayState>();
        using var channel = new GrpcChannel(guard.GrpcUri, new GrpcChannelOptions());

        await guard.RewriteConfigAsync(Config(upstream.Url, "  simple: { upstream: nowhere }"));
        await Eventually.TrueAsync(async () => (await guard.MetricsAsync()).Contains("guard_config_reloads_total{result=\"rejected\"}", StringComparison.Ordinal), TimeSpan.FromSeconds(15), "rejected reload counted");
        Assert.Equal(1, state.Current.Generation);

        await guard.RewriteConfigAsync("upstreams: [ this is : not yaml");
        await Eventually.TrueAsync(async () => (await guard.MetricsAsync()).Contains("guard_config_reloads_total{result=\"rejected\"} 2", StringComparison.Ordinal) || state.Current.Generation == 1, TimeSpan.FromSeconds(5), "broken file ignored");

        var result = await channel.UnaryAsync(ClientMethods.Infer, Requests.Simple(), new CallOptions());
        Assert.Equal(Enumerable.Range(1, 16), Requests.Int32Output(result.Response, 0));
        Assert.Equal(1, state.Current.Generation);
    }
}
