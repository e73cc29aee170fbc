using System.Buffers.Binary;
using System.IO.Compression;

namespace Guard.Bench.Knn;

/// <summary>Fashion-MNIST images as 784 floats in [0, 1]: the idx training file, or the committed GFEV eval set.</summary>
internal static class FashionImages
{
    public const int Side = 28;
    public const int Size = Side * Side;

    /// <summary>An idx3-ubyte file (gzip): magic 2051, count, rows, cols (big-endian), then the pixels.</summary>
    public static float[][] ReadIdx(string path)
    {
        using var gzip = new GZipStream(File.OpenRead(path), CompressionMode.Decompress);
        using var memory = new MemoryStream();
        gzip.CopyTo(memory);
        var bytes = memory.GetBuffer().AsSpan(0, (int)memory.Length);
        if (BinaryPrimitives.ReadInt32BigEndian(bytes) != 2051)
        {
            throw new InvalidDataException($"{path} is not an idx3-ubyte image file.");
        }

        var count = BinaryPrimitives.ReadInt32BigEndian(bytes[4..]);
        var rows = BinaryPrimitives.ReadInt32BigEndian(bytes[8..]);
        var cols = BinaryPrimitives.ReadInt32BigEndian(bytes[12..]);
        if (rows != Side || cols != Side)
        {
            throw new InvalidDataException($"{path}: {rows}×{cols} images, expected 28×28.");
        }

        var images = new float[count][];
        for (var i = 0; i < count; i++)
        {
            var pixels = bytes.Slice(16 + (i * Size), Size);
            images[i] = new float[Size];
            for (var p = 0; p < Size; p++)
            {
                images[i][p] = pixels[p] / 255f;
            }
        }

        return images;
    }

    /// <summary>models/eval/fashion_eval_1000.bin (format in models/eval/README.md).</summary>
    public static float[][] ReadEval(string path)
    {
        var bin = File.ReadAllBytes(path);
        if (bin.Length < 16 || bin[0] != (byte)'G' || bin[1] != (byte)'F' || bin[2] != (byte)'E' || bin[3] != (byte)'V')
        {
            throw new InvalidDataException($"{path} is not a GFEV file.");
        }

        var count = BinaryPrimitives.ReadInt32LittleEndian(bin.AsSpan(4));
        var images = new float[count][];
        for (var i = 0; i < count; i++)
        {
            images[i] = new float[Size];
            Buffer.BlockCopy(bin, 16 + (i * Size * sizeof(float)), images[i], 0, Size * sizeof(float));
        }

        return images;
    }
}
