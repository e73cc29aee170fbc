using System.Collections.Concurrent;

namespace Guard.TestSupport;

/// <summary>
/// The committed demo models and evaluation set (models/, format in models/eval/README.md), read once per test
/// process. The arrays are shared: copy before changing them.
/// </summary>
public static class DemoSet
{
    /// <summary>Pixels per image: one 28×28 channel, fed as <c>[batch, 1, 28, 28]</c>.</summary>
    public const int ImageSize = 784;

    public const int ImageBytes = ImageSize * sizeof(float);

    /// <summary>Logits per image.</summary>
    public const int Classes = 10;

    private static readonly Lazy<(float[] Pixels, byte[] Labels)> EvalSet = new(ReadEvalSet);
    private static readonly ConcurrentDictionary<string, float[]> References = new(StringComparer.Ordinal);

    /// <summary>The evaluation set's pixels, <c>[count, 784]</c>, values in [0, 1].</summary>
    public static float[] Pixels => EvalSet.Value.Pixels;

    public static byte[] Labels => EvalSet.Value.Labels;

    public static int Count => Labels.Length;

    /// <summary>A copy of image <paramref name="index"/>.</summary>
    public static float[] Image(int index) => Pixels.AsSpan(index * ImageSize, ImageSize).ToArray();

    /// <summary>models/{model}.</summary>
    public static string ModelFolder(string model) => Path.Combine(RepositoryRoot.Path, "models", model);

    /// <summary>models/{model}/1/model.onnx.</summary>
    public static string ModelPath(string model) => Path.Combine(ModelFolder(model), "1", "model.onnx");

    /// <summary>models/{model}/reference_logits.bin: PyTorch's logits <c>[count, 10]</c> for the evaluation set.</summary>
    public static float[] ReferenceLogits(string model) => References.GetOrAdd(model, static m =>
    {
        var bytes = File.ReadAllBytes(Path.Combine(ModelFolder(m), "reference_logits.bin"));
        var floats = new float[bytes.Length / sizeof(float)];
        Buffer.BlockCopy(bytes, 0, floats, 0, bytes.Length);
        return floats;
    });

    public static int ArgMax(ReadOnlySpan<float> values)
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

    private static (float[] Pixels, byte[] Labels) ReadEvalSet()
    {
        var bin = File.ReadAllBytes(Path.Combine(RepositoryRoot.Path, "models", "eval", "fashion_eval_1000.bin"));
        if (!bin.AsSpan(0, 4).SequenceEqual("GFEV"u8))
        {
            throw new InvalidDataException("fashion_eval_1000.bin does not start with GFEV.");
        }

        var count = BitConverter.ToInt32(bin, 4);
        var size = BitConverter.ToInt32(bin, 8) * BitConverter.ToInt32(bin, 12);
        if (size != ImageSize)
        {
            throw new InvalidDataException($"fashion_eval_1000.bin holds images of {size} pixels, not {ImageSize}.");
        }

        var pixels = new float[count * size];
        Buffer.BlockCopy(bin, 16, pixels, 0, pixels.Length * sizeof(float));
        return (pixels, bin.AsSpan(16 + (pixels.Length * sizeof(float)), count).ToArray());
    }
}
