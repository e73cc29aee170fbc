namespace Guard.Bench.Fingerprint;

/// <summary>The Fashion-MNIST evaluation images (format: models/eval/README.md), as float pixels in [0, 1].</summary>
internal sealed class EvalSet
{
    private EvalSet(float[][] images, int rows, int cols)
    {
        Images = images;
        Rows = rows;
        Cols = cols;
    }

    public IReadOnlyList<float[]> Images { get; }

    public int Rows { get; }

    public int Cols { get; }

    public static EvalSet Load(string path)
    {
        var bin = File.ReadAllBytes(path);
        if (bin.Length < 16 || bin[0] != (byte)'G' || bin[1] != (byte)'F' || bin[2] != (byte)'E' || bin[3] != (byte)'V')
        {
            throw new InvalidDataException($"{path} is not a GFEV file.");
        }

        int n = BitConverter.ToInt32(bin, 4), rows = BitConverter.ToInt32(bin, 8), cols = BitConverter.ToInt32(bin, 12);
        var images = new float[n][];
        for (int i = 0; i < n; i++)
        {
            images[i] = new float[rows * cols];
            Buffer.BlockCopy(bin, 16 + (4 * i * rows * cols), images[i], 0, 4 * rows * cols);
        }

        return new EvalSet(images, rows, cols);
    }
}
