namespace Guard.OnnxRuntime.Tests.Support;

/// <summary>The committed demo models and evaluation set (models/, format in models/eval/README.md).</summary>
internal static class DemoData
{
    /// <summary>Pixels per image: one 28×28 channel, fed as <c>[batch, 1, 28, 28]</c>.</summary>
    public const int ImageSize = 784;

    /// <summary>Logits per image.</summary>
    public const int Classes = 10;

    /// <summary>The repository root: the first directory above the test binaries that holds Guard.sln.</summary>
    public static string RepoRoot()
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

    /// <summary>The path of <c>models/{model}/1/model.onnx</c>.</summary>
    public static string ModelPath(string model) => Path.Combine(RepoRoot(), "models", model, "1", "model.onnx");

    /// <summary>models/eval/fashion_eval_1000.bin: pixels <c>[count, 784]</c> and labels.</summary>
    public static (float[] Pixels, byte[] Labels) ReadEvalSet()
    {
        var bin = File.ReadAllBytes(Path.Combine(RepoRoot(), "models", "eval", "fashion_eval_1000.bin"));
        Assert.True(bin.AsSpan(0, 4).SequenceEqual("GFEV"u8));
        var count = BitConverter.ToInt32(bin, 4);
        var size = BitConverter.ToInt32(bin, 8) * BitConverter.ToInt32(bin, 12);
        Assert.Equal(ImageSize, size);
        var pixels = new float[count * size];
        Buffer.BlockCopy(bin, 16, pixels, 0, pixels.Length * sizeof(float));
        return (pixels, bin.AsSpan(16 + pixels.Length * sizeof(float), count).ToArray());
    }

    /// <summary>models/{model}/reference_logits.bin: PyTorch's logits <c>[count, 10]</c> for the evaluation set.</summary>
    public static float[] ReadReferenceLogits(string model)
    {
        var bytes = File.ReadAllBytes(Path.Combine(RepoRoot(), "models", model, "reference_logits.bin"));
        var floats = new float[bytes.Length / sizeof(float)];
        Buffer.BlockCopy(bytes, 0, floats, 0, bytes.Length);
        return floats;
    }

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
}
