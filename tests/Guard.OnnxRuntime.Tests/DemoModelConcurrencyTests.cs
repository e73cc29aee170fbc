using Guard.OnnxRuntime.Tests.Support;
using Xunit.Abstractions;

using Guard.TestSupport;

namespace Guard.OnnxRuntime.Tests;

/// <summary>
/// One session of the demo model run from many threads at once gives every run the result a sequential run
/// of the same image gives: ORT's Run is thread-safe and our binding shares no per-call state.
/// </summary>
[Collection(OrtTests.Name)]
public sealed class DemoModelConcurrencyTests(OrtFixture ort, ITestOutputHelper output)
{
    private const int Threads = 8;
    private const int RunsPerThread = 50;
    private const int Images = Threads * RunsPerThread;

    [Fact]
    public async Task Concurrent_runs_on_one_session_match_sequential_runs_of_the_same_images()
    {
        var (pixels, _) = (DemoSet.Pixels, DemoSet.Labels);
        Assert.True(pixels.Length >= Images * DemoSet.ImageSize);
        using var options = ort.Options();
        using var session = new InferenceSession(ort.Environment, DemoSet.ModelPath("fashion_cnn"), options);

        var sequential = new float[Images][];
        for (var image = 0; image < Images; image++)
        {
            sequential[image] = RunOne(session, pixels, image);
        }

        AssertAllDistinct(sequential);

        var concurrent = new float[Images][];
        using var start = new Barrier(Threads);
        var workers = Enumerable.Range(0, Threads).Select(thread => Task.Factory.StartNew(
            () =>
            {
                start.SignalAndWait();
                for (var run = 0; run < RunsPerThread; run++)
                {
                    // Interleaved, so the threads run neighbouring images at the same time.
                    var image = run * Threads + thread;
                    concurrent[image] = RunOne(session, pixels, image);
                }
            },
            CancellationToken.None,
            TaskCreationOptions.LongRunning,
            TaskScheduler.Default));
        await Task.WhenAll(workers);

        var worst = 0f;
        var exact = 0;
        for (var image = 0; image < Images; image++)
        {
            Assert.NotNull(concurrent[image]);
            Assert.Equal(DemoSet.Classes, concurrent[image].Length);
            exact += concurrent[image].AsSpan().SequenceEqual(sequential[image]) ? 1 : 0;
            for (var k = 0; k < DemoSet.Classes; k++)
            {
                worst = Math.Max(worst, Math.Abs(concurrent[image][k] - sequential[image][k]));
            }
        }

        output.WriteLine($"{exact} of {Images} concurrent results bit-identical to sequential; largest difference {worst}");
        Assert.True(worst <= 1e-5f, $"largest difference from the sequential result: {worst}");
    }

    private float[] RunOne(InferenceSession session, float[] pixels, int image)
    {
        using var input = OrtTensor.Create(ort.Library, pixels.AsMemory(image * DemoSet.ImageSize, DemoSet.ImageSize), [1, 1, 28, 28]);
        using var outputs = session.Run(["input"], [input]);
        return outputs["logits"].ToArray<float>();
    }

    /// <summary>Different images give different logits, so a result handed to the wrong run would be caught.</summary>
    private static void AssertAllDistinct(float[][] results)
    {
        for (var i = 0; i < results.Length; i++)
        {
            for (var j = i + 1; j < results.Length; j++)
            {
                var same = true;
                for (var k = 0; k < DemoSet.Classes && same; k++)
                {
                    same = Math.Abs(results[i][k] - results[j][k]) <= 1e-5f;
                }

                Assert.False(same, $"images {i} and {j} give the same logits");
            }
        }
    }
}
