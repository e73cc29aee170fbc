using Guard.TestSupport;
using Guard.ModelHost.Tests.Support;

namespace Guard.ModelHost.Tests;

/// <summary>A failing observer (metrics) must never take a model down with it.</summary>
[Collection(OrtTests.Name)]
public sealed class ObserverTests(OrtFixture ort)
{
    [Fact]
    public async Task A_throwing_observer_does_not_stop_the_model_serving()
    {
        using var repo = new TestRepository().AddDemo("fashion", config: "threads: { intraOp: 1 }\n");
        var observer = new ThrowingObserver();
        await using var host = ort.Load(repo, observer);
        var model = host.Resolve("fashion", "");
        for (var i = 0; i < 5; i++)
        {
            var response = await model.InferAsync(DemoData.Request(i, 1), CancellationToken.None).WaitAsync(TimeSpan.FromSeconds(30));
            var logits = TestModels.ToFloats(response.Outputs[0].Data);
            Assert.True(Math.Abs(logits[0] - DemoSet.ReferenceLogits(DemoData.Model)[i * DemoSet.Classes]) <= 1e-4f);
        }

        Assert.True(observer.Calls >= 4, $"the observer was called {observer.Calls} times");
    }

    private sealed class ThrowingObserver : IInferenceObserver
    {
        private int _calls;

        public int Calls => Volatile.Read(ref _calls);

        public void BatchCompleted(string model, string version, int requests, int rows, TimeSpan oldestWait, TimeSpan run, bool succeeded)
        {
            Interlocked.Increment(ref _calls);
            throw new InvalidOperationException("metrics backend down");
        }
    }
}
