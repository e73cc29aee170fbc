using Guard.TestSupport;
using Guard.ModelHost.Tests.Support;
using Xunit.Abstractions;

namespace Guard.ModelHost.Tests;

/// <summary>What the observer sees of the Runs: concurrent requests coalesce only when dynamic batching is on.</summary>
[Collection(OrtTests.Name)]
public sealed class DynamicBatchingTests(OrtFixture ort, ITestOutputHelper output)
{
    private const int Requests = 64;

    [Fact]
    public async Task Concurrent_requests_coalesce_into_shared_Runs_when_batching_is_on()
    {
        var runs = await RunConcurrently("""
            maxBatchSize: 256
            dynamicBatching:
              enabled: true
              maxQueueDelayMicroseconds: 5000
            threads:
              intraOp: 1
            """);

        Assert.Contains(runs, r => r.Requests > 1);
        Assert.True(runs.Count < Requests, $"{runs.Count} Runs for {Requests} requests");
        Assert.All(runs, r => Assert.Equal(r.Requests, r.Rows));
    }

    [Fact]
    public async Task Every_request_is_its_own_Run_when_batching_is_off()
    {
        var runs = await RunConcurrently("""
            maxBatchSize: 256
            dynamicBatching:
              enabled: false
            threads:
              intraOp: 1
            """);

        Assert.Equal(Requests, runs.Count);
        Assert.All(runs, r => Assert.Equal(1, r.Requests));
    }

    [Fact]
    public async Task No_Run_carries_more_rows_than_max_batch_size()
    {
        var runs = await RunConcurrently("""
            maxBatchSize: 8
            dynamicBatching:
              enabled: true
              maxQueueDelayMicroseconds: 5000
            threads:
              intraOp: 1
            """);

        Assert.All(runs, r => Assert.True(r.Rows <= 8, $"a Run of {r.Rows} rows"));
        Assert.Contains(runs, r => r.Requests > 1);
        Assert.True(runs.Count >= Requests / 8);
    }

    [Fact]
    public async Task Several_instances_serve_every_request_with_its_own_rows()
    {
        using var repo = new TestRepository().AddDemo("fashion", config: """
            maxBatchSize: 16
            instances: 3
            dynamicBatching:
              enabled: true
              maxQueueDelayMicroseconds: 1000
            threads:
              intraOp: 1
            """);
        var observer = new RecordingObserver();
        await using var host = ort.Load(repo, observer);
        var model = host.Resolve("fashion", "");

        var responses = await Task.WhenAll(Enumerable.Range(0, 200).Select(
            i => Task.Run(() => model.InferAsync(DemoData.Request(i, 1), CancellationToken.None))));

        for (var i = 0; i < responses.Length; i++)
        {
            var logits = TestModels.ToFloats(responses[i].Outputs[0].Data);
            var expected = DemoSet.ReferenceLogits(DemoData.Model).AsSpan(i * DemoSet.Classes, DemoSet.Classes);
            for (var k = 0; k < DemoSet.Classes; k++)
            {
                Assert.True(Math.Abs(logits[k] - expected[k]) <= 1e-4f, $"image {i} logit {k}: {logits[k]}, reference {expected[k]}");
            }
        }
        var runs = await observer.RunsOnceAsync(200);
        Assert.Equal(200, runs.Sum(r => r.Rows));
        Assert.All(runs, r => Assert.True(r.Rows <= 16));
    }

    [Fact]
    public async Task Observer_is_told_the_model_version_and_outcome_of_each_Run()
    {
        using var repo = new TestRepository().AddDemo("fashion", version: "7");
        var observer = new RecordingObserver();
        await using var host = ort.Load(repo, observer);

        await host.Resolve("fashion", "7").InferAsync(DemoData.Request(0, 5), CancellationToken.None);

        var run = Assert.Single(await observer.RunsOnceAsync(5));
        Assert.Equal(new RunRecord("fashion", "7", 1, 5, true), run);
    }

    /// <summary>Sends <see cref="Requests"/> single-image requests at once; the Runs the observer saw.</summary>
    private async Task<IReadOnlyList<RunRecord>> RunConcurrently(string config)
    {
        using var repo = new TestRepository().AddDemo("fashion", config: config);
        var observer = new RecordingObserver();
        await using var host = ort.Load(repo, observer);
        var model = host.Resolve("fashion", "");
        using var start = new ManualResetEventSlim();

        var calls = Enumerable.Range(0, Requests).Select(i => Task.Run(() =>
        {
            start.Wait();
            return model.InferAsync(DemoData.Request(i, 1), CancellationToken.None);
        })).ToArray();
        start.Set();
        var responses = await Task.WhenAll(calls);

        for (var i = 0; i < Requests; i++)
        {
            var logits = TestModels.ToFloats(responses[i].Outputs[0].Data);
            Assert.Equal(DemoSet.ArgMax(DemoSet.ReferenceLogits(DemoData.Model).AsSpan(i * DemoSet.Classes, DemoSet.Classes)), DemoSet.ArgMax(logits));
        }

        var runs = await observer.RunsOnceAsync(Requests);
        output.WriteLine(string.Join(" ", runs.Select(r => $"{r.Requests}/{r.Rows}")));
        Assert.Equal(Requests, runs.Sum(r => r.Rows));
        Assert.Equal(Requests, runs.Sum(r => r.Requests));
        Assert.All(runs, r => Assert.True(r.Succeeded));
        return runs;
    }
}
