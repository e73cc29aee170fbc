using System.Text.Json;
using Guard.OnnxRuntime.Tests.Support;

using Guard.TestSupport;

namespace Guard.OnnxRuntime.Tests;

/// <summary>
/// The committed demo models (models/, trained by tools/train) run on our binding give the logits PyTorch
/// gave for the committed evaluation set, to 1e-4, and so the same accuracy.
/// </summary>
public sealed class DemoModelParityTests(OrtFixture ort) : IClassFixture<OrtFixture>
{
    private const int Batch = 250;

    [Theory]
    [InlineData("fashion_cnn")]
    [InlineData("fashion_cnn_s025")]
    [InlineData("fashion_cnn_s050")]
    public void Logits_match_the_training_script_reference(string model)
    {
        var root = RepositoryRoot.Path;
        var (pixels, labels) = (DemoSet.Pixels, DemoSet.Labels);
        var reference = DemoSet.ReferenceLogits(model);
        Assert.Equal(labels.Length * 10, reference.Length);

        using var options = ort.Options();
        using var session = new InferenceSession(ort.Environment, DemoSet.ModelPath(model), options);
        var worst = 0f;
        var correct = 0;
        for (var start = 0; start < labels.Length; start += Batch)
        {
            var count = Math.Min(Batch, labels.Length - start);
            var input = pixels.AsMemory(start * 784, count * 784);
            using var tensor = OrtTensor.Create(ort.Library, input, [count, 1, 28, 28]);
            using var outputs = session.Run(["input"], [tensor]);
            var logits = outputs["logits"].GetData<float>();
            for (var i = 0; i < count; i++)
            {
                var row = logits.Slice(i * 10, 10);
                var expected = reference.AsSpan((start + i) * 10, 10);
                for (var k = 0; k < 10; k++)
                {
                    worst = Math.Max(worst, Math.Abs(row[k] - expected[k]));
                }

                if (DemoSet.ArgMax(row) == labels[start + i])
                {
                    correct++;
                }
            }
        }

        Assert.True(worst <= 1e-4f, $"largest difference from the reference logits: {worst}");
        using var metrics = JsonDocument.Parse(File.ReadAllText(Path.Combine(root, "models", model, "metrics.json")));
        Assert.Equal(metrics.RootElement.GetProperty("eval1000_accuracy_clean").GetDouble(), correct / (double)labels.Length, 6);
    }
}
