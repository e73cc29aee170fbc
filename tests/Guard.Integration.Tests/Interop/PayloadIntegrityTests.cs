using Google.Protobuf;
using Guard.Gateway.Inference;
using Guard.Integration.Tests.Infrastructure;
using Guard.Protocol.Inference;
using Guard.Rpc;
using Guard.Rpc.Client;

namespace Guard.Integration.Tests.Interop;

/// <summary>
/// Guard reuses pooled buffers for request and response payloads; a buffer handed back too early would show
/// up here as one call's bytes inside another's response.
/// </summary>
public sealed class PayloadIntegrityTests(ProxyFixture fixture) : IClassFixture<ProxyFixture>
{

    [Fact]
    public async Task Concurrent_large_payloads_come_back_byte_exact()
    {
        using var channel = new GrpcChannel(fixture.Guard.GrpcUri, new GrpcChannelOptions());
        var calls = Enumerable.Range(0, 64).Select(async i =>
        {
            var random = new Random(i);
            var data = new byte[random.Next(100_000, 1_500_000)];
            random.NextBytes(data);
            var request = new ModelInferRequest { ModelName = "echo", Id = $"p{i}" };
            request.Inputs.Add(Requests.Tensor("X", "UINT8", data.Length));
            request.RawInputContents.Add(ByteString.CopyFrom(data));
            var result = await channel.UnaryAsync(ClientMethods.Infer, request, new CallOptions(Deadline: DateTime.UtcNow.AddSeconds(60)));
            Assert.Equal($"p{i}", result.Response.Id);
            Assert.True(result.Response.RawOutputContents[0].Span.SequenceEqual(data), $"payload {i} corrupted");
        });
        await Task.WhenAll(calls);
    }
}
