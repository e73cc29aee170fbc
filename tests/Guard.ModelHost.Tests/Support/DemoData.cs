namespace Guard.ModelHost.Tests.Support;

/// <summary>The committed demo models and evaluation set (models/, format in models/eval/README.md).</summary>
internal static class DemoData
{
    public const string Model = "fashion_cnn";

    /// <summary>Pixels per image: one 28×28 channel, fed as <c>[batch, 1, 28, 28]</c>.</summary>
    public const int ImageSize = 784;

    /// <summary>Logits per image.</summary>
    public const int Classes = 10;

    public const int ImageBytes = ImageSize * sizeof(float);

    private static readonly Lazy<float[]> Pixels = new(ReadPixels);

    private static readonly Lazy<float[]> Reference = new(() => ReadReferenceLogits(Model));

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

    /// <summary>models/{model}.</summary>
    public static string ModelFolder(string model = Model) => Path.Combine(RepoRoot(), "models", model);

    /// <summary>models/{model}/1/model.onnx.</summary>
    public static string ModelPath(string model = Model) => Path.Combine(ModelFolder(model), "1", "model.onnx");

    /// <summary>The evaluation set's pixels, <c>[1000, 784]</c>.</summary>
    public static float[] EvalPixels => Pixels.Value;

    public static int EvalCount => EvalPixels.Length / ImageSize;

    /// <summary>fashion_cnn's PyTorch logits for the evaluation set, <c>[1000, 10]</c>.</summary>
    public static float[] ReferenceLogits => Reference.Value;

    /// <summary>Images <paramref name="first"/>.. as the bytes of an FP32 <c>[count, 1, 28, 28]</c> input tensor.</summary>
    public static InferenceTensor Images(int first, int count)
    {
        var bytes = new byte[count * ImageBytes];
        Buffer.BlockCopy(EvalPixels, first * ImageBytes, bytes, 0, bytes.Length);
        return new InferenceTensor("input", Guard.OnnxRuntime.TensorElementType.Float, [count, 1, 28, 28], bytes);
    }

    public static InferenceRequest Request(int first, int count) => new([Images(first, count)], []);

    private static float[] ReadPixels()
    {
        var bin = File.ReadAllBytes(Path.Combine(RepoRoot(), "models", "eval", "fashion_eval_1000.bin"));
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
        return pixels;
    }

    /// <summary>models/{model}/reference_logits.bin: PyTorch's logits <c>[count, 10]</c> for the evaluation set.</summary>
    private static float[] ReadReferenceLogits(string model)
    {
        var bytes = File.ReadAllBytes(Path.Combine(ModelFolder(model), "reference_logits.bin"));
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
