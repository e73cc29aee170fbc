namespace Guard.Guards.Tests.QueryPatterns;

/// <summary>Loads models/eval/fashion_eval_1000.bin (format: models/eval/README.md) once per test class that asks.</summary>
public sealed class FashionEval
{
    public FashionEval()
    {
        var dir = new DirectoryInfo(AppContext.BaseDirectory);
        while (dir is not null && !File.Exists(Path.Combine(dir.FullName, "Guard.sln")))
        {
            dir = dir.Parent;
        }

        var path = Path.Combine(dir?.FullName ?? throw new InvalidOperationException("repository root (Guard.sln) not found"), "models", "eval", "fashion_eval_1000.bin");
        var bin = File.ReadAllBytes(path);
        Assert.Equal("GFEV"u8.ToArray(), bin[..4]);
        int n = BitConverter.ToInt32(bin, 4), pixels = BitConverter.ToInt32(bin, 8) * BitConverter.ToInt32(bin, 12);
        Images = [.. Enumerable.Range(0, n).Select(i =>
        {
            var image = new float[pixels];
            Buffer.BlockCopy(bin, 16 + (4 * i * pixels), image, 0, 4 * pixels);
            return image;
        })];
    }

    /// <summary>The 1,000 images, 784 floats in [0, 1] each.</summary>
    public IReadOnlyList<float[]> Images { get; }
}
