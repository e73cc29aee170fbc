using Guard.Gateway.Inference;
using Guard.Integration.Tests.Infrastructure;
using Guard.Protocol.Inference;
using Guard.Rpc;
using Guard.Rpc.Client;

namespace Guard.Integration.Tests.Proxy;

/// <summary>A model version can be served elsewhere (a canary); other versions go to the model's upstream.</summary>
public sealed class VersionRoutingTests
{

    [Fact]
    public async Task Requests_for_a_routed_version_go_to_its_upstream()
    {
        await using var stable = await PythonUpstream.StartAsync("stable");
        await using var canary = await PythonUpstream.StartAsync("canary");
        await using var guard = await GuardServer.StartAsync($$"""
            upstreams:
              stable: { endpoints: [ "{{stable.Url}}" ] }
              canary: { endpoints: [ "{{canary.Url}}" ] }
            models:
              simple: { upstream: stable, versions: { "2": canary } }
            """);
        using var channel = new GrpcChannel(guard.GrpcUri, new GrpcChannelOptions());

        async Task<string> ServedBy(string version)
        {
            var request = Requests.Simple();
            request.ModelVersion = version;
            var result = await channel.UnaryAsync(ClientMethods.Infer, request, new CallOptions());
            return result.Response.Parameters["served_by"].StringParam;
        }

        Assert.Equal("stable", await ServedBy(""));
        Assert.Equal("stable", await ServedBy("1"));
        Assert.Equal("canary", await ServedBy("2"));
        Assert.True((await channel.UnaryAsync(ClientMethods.ModelReady, new ModelReadyRequest { Name = "simple", Version = "2" }, new CallOptions())).Response.Ready);
    }
}
