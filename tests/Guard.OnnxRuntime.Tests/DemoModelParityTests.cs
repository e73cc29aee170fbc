using System.Text.Json;
using Guard.OnnxRuntime.Tests.Support;

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
        var root = RepoRoot();
        var (pixels, labels) = ReadEvalSet(Path.Combine(root, "models", "eval", "fashion_eval_1000.bin"));
        var reference = ReadFloats(Path.Combine(root, "models", model, "reference_logits.bin"));
        Assert.Equal(labels.Length * 10, reference.Length);

        using var options = ort.Options();
        using var session = new InferenceSession(ort.Environment, Path.Combine(root, "models", model, "1", "model.onnx"), options);
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

                if (ArgMax(row) == labels[start + i])
                {
                    correct++;
                }
            }
        }

        Assert.True(worst <= 1e-4f, $"largest difference from the reference logits: {worst}");
        using var metrics = JsonDocument.Parse(File.ReadAllText(Path.Combine(root, "models", model, "metrics.json")));
        Assert.Equal(metrics.RootElement.GetProperty("eval1000_accuracy_clean").GetDouble(), correct / (double)labels.Length, 6);
    }

    private static int ArgMax(ReadOnlySpan<float> values)
    {
        var best = 0;
        for (var i = 1; i < values.Length; i++)
        {
            if (values[i] > values[best])
            {
                best = i;
            }
        }

        return best;
    }

    private static (float[] Pixels, byte[] Labels) ReadEvalSet(string path)
    {
        var bin = File.ReadAllBytes(path);
        Assert.True(bin.AsSpan(0, 4).SequenceEqual("GFEV"u8));
        var count = BitConverter.ToInt32(bin, 4);
        var size = BitConverter.ToInt32(bin, 8) * BitConverter.ToInt32(bin, 12);
        Assert.Equal(784, size);
        var pixels = new float[count * size];
        Buffer.BlockCopy(bin, 16, pixels, 0, pixels.Length * sizeof(float));
        return (pixels, bin.AsSpan(16 + pixels.Length * sizeof(float), count).ToArray());
    }

    private static float[] ReadFloats(string path)
    {
        var bytes = File.ReadAllBytes(path);
        var floats = new float[bytes.Length / sizeof(float)];
        Buffer.BlockCopy(bytes, 0, floats, 0, bytes.Length);
        return floats;
    }

    private static string RepoRoot()
    {
        for (var dir = new DirectoryInfo(AppContext.BaseDirectory); dir is not null; dir = dir.Parent)
        {
            if (File.Exists(Path.Combine(dir.FullName, "Guard.sln")))
            {
                return dir.FullName;
            }
        }

        throw new InvalidOperationException("Guard.sln not found above " + AppContext.BaseDirectory);
    }
}
