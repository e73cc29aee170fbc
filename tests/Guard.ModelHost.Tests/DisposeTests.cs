using Guard.TestSupport;
using Guard.ModelHost.Tests.Support;
using Xunit.Abstractions;

namespace Guard.ModelHost.Tests;

/// <summary>Stopping the host while it serves: no crash, and every request ends with its result or as unavailable.</summary>
[Collection(OrtTests.Name)]
public sealed class DisposeTests(OrtFixture ort, ITestOutputHelper output)
{
    [Theory]
    [InlineData(true)]
    [InlineData(false)]
    public async Task Dispose_with_requests_in_flight_ends_each_with_its_result_or_unavailable(bool batching)
    {
        using var repo = new TestRepository().AddDemo("fashion", config: $"""
            maxBatchSize: 4
            dynamicBatching:
              enabled: {(batching ? "true" : "false")}
              maxQueueDelayMicroseconds: 2000
            threads:
              intraOp: 1
            """);
        var host = ort.Load(repo);
        var model = host.Resolve("fashion", "");
        var calls = Enumerable.Range(0, 300).Select(i => Task.Run(() => model.InferAsync(DemoData.Request(i, 1), CancellationToken.None))).ToArray();
        await Task.WhenAny(calls);

        await host.DisposeAsync();

        int served = 0, refused = 0;
        for (var i = 0; i < calls.Length; i++)
        {
            try
            {
                var response = await calls[i].WaitAsync(TimeSpan.FromSeconds(30));
                var logits = TestModels.ToFloats(response.Outputs[0].Data);
                for (var k = 0; k < DemoSet.Classes; k++)
                {
                    Assert.True(Math.Abs(logits[k] - DemoSet.ReferenceLogits(DemoData.Model)[i * DemoSet.Classes + k]) <= 1e-4f, $"image {i} logit {k}");
                }
                served++;
            }
            catch (InferenceException error)
            {
                Assert.Equal(InferenceErrorKind.Unavailable, error.Kind);
                refused++;
            }
        }

        output.WriteLine($"{served} served, {refused} refused as unavailable");
        Assert.True(served > 0);
        var late = await Assert.ThrowsAsync<InferenceException>(() => model.InferAsync(DemoData.Request(0, 1), CancellationToken.None));
        Assert.Equal(InferenceErrorKind.Unavailable, late.Kind);
    }

    [Fact]
    public async Task Dispose_twice_is_harmless()
    {
        using var repo = new TestRepository().AddDemo("fashion");
        var host = ort.Load(repo);
        await host.Resolve("fashion", "").InferAsync(DemoData.Request(0, 1), CancellationToken.None);

        await host.DisposeAsync();
        await host.DisposeAsync();
    }

    [Fact]
    public async Task Cancelled_caller_gets_cancellation_and_the_model_keeps_serving()
    {
        using var repo = new TestRepository().AddDemo("fashion");
        await using var host = ort.Load(repo);
        var model = host.Resolve("fashion", "");
        using var cancellation = new CancellationTokenSource();
        await cancellation.CancelAsync();

        await Assert.ThrowsAnyAsync<OperationCanceledException>(() => model.InferAsync(DemoData.Request(0, 1), cancellation.Token));

        var response = await model.InferAsync(DemoData.Request(1, 1), CancellationToken.None);
        Assert.Equal([1L, 10], response.Outputs[0].Shape);
    }
}
