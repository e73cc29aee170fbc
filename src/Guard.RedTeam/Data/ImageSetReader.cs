using System.Buffers.Binary;
using System.IO.Compression;
using Guard.RedTeam.Attacks;

namespace Guard.RedTeam.Data;

/// <summary>
/// Reads an evaluation set: the repository's GFEV file (models/eval/README.md) or MNIST-style IDX files
/// (<c>*-images-idx3-ubyte[.gz]</c>, with the labels read from the matching <c>*-labels-idx1-ubyte[.gz]</c> beside it when present).
/// </summary>
public static class ImageSetReader
{
    private const int IdxImagesMagic = 0x00000803;
    private const int IdxLabelsMagic = 0x00000801;

    /// <exception cref="InvalidDataException">The file is neither format, or is truncated.</exception>
    public static async Task<ImageSet> ReadAsync(string path, CancellationToken cancellationToken)
    {
        var bytes = await ReadMaybeGzipAsync(path, cancellationToken);
        if (bytes.Length >= 4 && bytes.AsSpan(0, 4).SequenceEqual("GFEV"u8))
        {
            return ReadGfev(bytes, path);
        }

        if (bytes.Length >= 4 && BinaryPrimitives.ReadInt32BigEndian(bytes) == IdxImagesMagic)
        {
            var labelsPath = LabelsPathFor(path);
            var labels = labelsPath is not null && File.Exists(labelsPath) ? ReadIdxLabels(await ReadMaybeGzipAsync(labelsPath, cancellationToken), labelsPath) : null;
            return ReadIdxImages(bytes, labels, path);
        }

        throw new InvalidDataException($"{path} is neither a GFEV evaluation set nor an IDX image file.");
    }

    private static ImageSet ReadGfev(byte[] bytes, string path)
    {
        Require(bytes.Length >= 16, path, "its header is truncated");
        var count = BinaryPrimitives.ReadInt32LittleEndian(bytes.AsSpan(4));
        var rows = BinaryPrimitives.ReadInt32LittleEndian(bytes.AsSpan(8));
        var cols = BinaryPrimitives.ReadInt32LittleEndian(bytes.AsSpan(12));
        Require(count > 0 && rows > 0 && cols > 0, path, "its header has a zero or negative size");
        var values = (long)count * rows * cols;
        Require(bytes.Length == 16 + (values * sizeof(float)) + count, path, $"it should hold {16 + (values * sizeof(float)) + count} bytes");
        var pixels = new float[values];
        for (var i = 0; i < pixels.Length; i++)
        {
            pixels[i] = BinaryPrimitives.ReadSingleLittleEndian(bytes.AsSpan(16 + (i * sizeof(float))));
        }

        var labels = bytes.AsSpan((int)(16 + (values * sizeof(float))), count).ToArray();
        return new ImageSet(pixels, labels, new ImageShape(1, rows, cols));
    }

    private static ImageSet ReadIdxImages(byte[] bytes, byte[]? labels, string path)
    {
        Require(bytes.Length >= 16, path, "its header is truncated");
        var count = BinaryPrimitives.ReadInt32BigEndian(bytes.AsSpan(4));
        var rows = BinaryPrimitives.ReadInt32BigEndian(bytes.AsSpan(8));
        var cols = BinaryPrimitives.ReadInt32BigEndian(bytes.AsSpan(12));
        Require(count > 0 && rows > 0 && cols > 0, path, "its header has a zero or negative size");
        Require(bytes.Length >= 16 + ((long)count * rows * cols), path, "it is truncated");
        var pixels = new float[count * rows * cols];
        for (var i = 0; i < pixels.Length; i++)
        {
            pixels[i] = bytes[16 + i] / 255f;
        }

        if (labels is not null && labels.Length != count)
        {
            labels = null;
        }

        return new ImageSet(pixels, labels, new ImageShape(1, rows, cols));
    }

    private static byte[] ReadIdxLabels(byte[] bytes, string path)
    {
        Require(bytes.Length >= 8 && BinaryPrimitives.ReadInt32BigEndian(bytes) == IdxLabelsMagic, path, "it is not an IDX label file");
        var count = BinaryPrimitives.ReadInt32BigEndian(bytes.AsSpan(4));
        Require(count >= 0 && bytes.Length >= 8 + count, path, "it is truncated");
        return bytes.AsSpan(8, count).ToArray();
    }

    private static string? LabelsPathFor(string imagesPath)
    {
        var name = Path.GetFileName(imagesPath);
        return name.Contains("images-idx3", StringComparison.Ordinal)
            ? Path.Combine(Path.GetDirectoryName(imagesPath) ?? "", name.Replace("images-idx3", "labels-idx1", StringComparison.Ordinal))
            : null;
    }

    private static async Task<byte[]> ReadMaybeGzipAsync(string path, CancellationToken cancellationToken)
    {
        var bytes = await File.ReadAllBytesAsync(path, cancellationToken);
        if (bytes.Length < 2 || bytes[0] != 0x1F || bytes[1] != 0x8B)
        {
            return bytes;
        }

        using var gzip = new GZipStream(new MemoryStream(bytes), CompressionMode.Decompress);
        using var output = new MemoryStream();
        await gzip.CopyToAsync(output, cancellationToken);
        return output.ToArray();
    }

    private static void Require(bool ok, string path, string problem)
    {
        if (!ok)
        {
            throw new InvalidDataException($"{path}: {problem}.");
        }
    }
}
