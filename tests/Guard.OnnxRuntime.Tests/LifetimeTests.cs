using Guard.OnnxRuntime.Tests.Support;

namespace Guard.OnnxRuntime.Tests;

[Collection(OrtTests.Name)]
public sealed class LifetimeTests(OrtFixture ort)
{
    [Fact]
    public void Disposing_everything_in_any_order_then_collecting_does_not_crash()
    {
        var environment = ort.Library.CreateEnvironment(OrtLoggingLevel.Error, "lifetime");
        var options = ort.Options();
        var session = new InferenceSession(environment, TestModels.Add(), options);
        options.Dispose();
        environment.Dispose(); // the session keeps the environment alive
        var a = OrtTensor.Create(ort.Library, [1f, 2, 3, 4], 1, 4);
        var outputs = session.Run(["a", "b"], [a, a]);
        var result = outputs[0].ToArray<float>();
        session.Dispose();
        a.Dispose();
        Assert.Equal([2f, 4, 6, 8], outputs[0].ToArray<float>()); // outputs outlive their session
        outputs.Dispose();
        outputs.Dispose(); // twice is harmless
        session.Dispose();

        GC.Collect();
        GC.WaitForPendingFinalizers();
        GC.Collect();

        Assert.Equal([2f, 4, 6, 8], result);
        Assert.Throws<ObjectDisposedException>(() => outputs[0].GetData<float>().Length);
        Assert.Throws<ObjectDisposedException>(() => session.Run(["a", "b"], [a, a]));
    }

    [Fact]
    public void Undisposed_tensors_and_outputs_are_released_by_finalizers()
    {
        using var session = ort.Session(TestModels.Add());
        for (var i = 0; i < 100; i++)
        {
            Leak(session);
        }

        GC.Collect();
        GC.WaitForPendingFinalizers();
        GC.Collect();

        using var a = OrtTensor.Create(ort.Library, [1f, 1, 1, 1], 1, 4);
        using var outputs = session.Run(["a", "b"], [a, a]);
        Assert.Equal([2f, 2, 2, 2], outputs[0].ToArray<float>());
    }

    private void Leak(InferenceSession session)
    {
        var a = OrtTensor.Create(ort.Library, new float[400], 100, 4);
        _ = session.Run(["a", "b"], [a, a]);
    }
}
