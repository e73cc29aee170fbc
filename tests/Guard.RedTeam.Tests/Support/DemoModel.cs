using Guard.OnnxRuntime;
using Guard.RedTeam.Targets;
using Guard.TestSupport;

namespace Guard.RedTeam.Tests.Support;

/// <summary>
/// The committed demo model (models/fashion_cnn) run in-process on our ONNX Runtime binding, one image per call,
/// loaded once for every test in the collection.
/// </summary>
public sealed class DemoModel : IDisposable
{
    private readonly OrtLibrary _library;
    private readonly OrtEnvironment _environment;
    private readonly InferenceSession _session;

    public DemoModel()
    {
        _library = OrtLibrary.Load(OrtLibraryPath.Value);
        _environment = _library.CreateEnvironment(OrtLoggingLevel.Error, "guard-redteam-tests");
        using var options = new SessionOptions(_library)
            .SetIntraOpThreads(1)
            .SetInterOpThreads(1)
            .SetGraphOptimizationLevel(GraphOptimizationLevel.EnableAll)
            .AddConfigEntry(SessionOptions.AllowIntraOpSpinningKey, "0");
        _session = new InferenceSession(_environment, DemoSet.ModelPath("fashion_cnn"), options);
    }

    public ModelFunctionTarget Target() => ModelFunctionTarget.FromScores(Logits);

    public float[] Logits(ReadOnlyMemory<float> image)
    {
        using var tensor = OrtTensor.Create(_library, image.ToArray(), 1, 1, 28, 28);
        using var outputs = _session.Run(["input"], [tensor]);
        return outputs["logits"].GetData<float>().ToArray();
    }

    public int Predict(ReadOnlyMemory<float> image) => DemoSet.ArgMax(Logits(image));

    /// <summary>The first <paramref name="count"/> evaluation images the model classifies correctly, from <paramref name="start"/> on.</summary>
    public IReadOnlyList<int> CorrectlyClassified(int count, int start = 0)
    {
        var found = new List<int>();
        for (var i = start; found.Count < count; i++)
        {
            if (Predict(DemoSet.Image(i)) == DemoSet.Labels[i])
            {
                found.Add(i);
            }
        }

        return found;
    }

    public void Dispose()
    {
        _session.Dispose();
        _environment.Dispose();
    }
}

[CollectionDefinition(Name)]
public sealed class DemoModelTests : ICollectionFixture<DemoModel>
{
    public const string Name = "demo model";
}
