using System.Buffers.Binary;
using System.IO.Compression;
using Guard.RedTeam.Data;
using Guard.TestSupport;

namespace Guard.RedTeam.Tests.Data;

/// <summary>Evaluation sets: the repository's GFEV file and MNIST-style IDX files, gzipped or not.</summary>
public sealed class ImageSetReaderTests : IDisposable
{
    private readonly string _folder = Directory.CreateTempSubdirectory("guard-redteam-").FullName;

    public void Dispose() => Directory.Delete(_folder, recursive: true);

    [Fact]
    public async Task The_committed_evaluation_set_reads_as_the_test_support_reads_it()
    {
        var set = await ImageSetReader.ReadAsync(Path.Combine(RepositoryRoot.Path, "models", "eval", "fashion_eval_1000.bin"), CancellationToken.None);
        Assert.Equal(1000, set.Count);
        Assert.Equal(784, set.Shape.Length);
        Assert.Equal(DemoSet.Image(17), set.Image(17));
        Assert.Equal(DemoSet.Labels[999], set.Label(999));
    }

    [Theory]
    [InlineData(true)]
    [InlineData(false)]
    public async Task IDX_images_read_with_the_labels_beside_them(bool gzip)
    {
        var suffix = gzip ? ".gz" : "";
        var images = Path.Combine(_folder, "t10k-images-idx3-ubyte" + suffix);
        var pixels = Enumerable.Range(0, 3 * 4 * 5).Select(i => (byte)(i * 4)).ToArray();
        Write(images, Idx(0x803, [3, 4, 5], pixels), gzip);
        Write(Path.Combine(_folder, "t10k-labels-idx1-ubyte" + suffix), Idx(0x801, [3], [7, 1, 9]), gzip);

        var set = await ImageSetReader.ReadAsync(images, CancellationToken.None);
        Assert.Equal(3, set.Count);
        Assert.Equal((1, 4, 5), (set.Shape.Channels, set.Shape.Height, set.Shape.Width));
        Assert.Equal(pixels[20] / 255f, set.Image(1)[0]);
        Assert.Equal([7, 1, 9], set.Labels!);
    }

    [Fact]
    public async Task IDX_images_without_labels_are_still_a_benign_set()
    {
        var images = Path.Combine(_folder, "images.idx");
        Write(images, Idx(0x803, [2, 2, 2], [0, 255, 0, 255, 1, 2, 3, 4]), gzip: false);
        var set = await ImageSetReader.ReadAsync(images, CancellationToken.None);
        Assert.False(set.HasLabels);
        Assert.Equal([0f, 1f, 0f, 1f], set.Image(0));
    }

    [Fact]
    public async Task Anything_else_is_refused_with_the_path_in_the_message()
    {
        var path = Path.Combine(_folder, "notes.txt");
        await File.WriteAllTextAsync(path, "hello");
        var ex = await Assert.ThrowsAsync<InvalidDataException>(() => ImageSetReader.ReadAsync(path, CancellationToken.None));
        Assert.Contains("notes.txt", ex.Message, StringComparison.Ordinal);

        var truncated = Path.Combine(_folder, "short.bin");
        await File.WriteAllBytesAsync(truncated, [.. "GFEV"u8, 1, 0, 0, 0, 28, 0, 0, 0, 28, 0, 0, 0, 0, 0]);
        await Assert.ThrowsAsync<InvalidDataException>(() => ImageSetReader.ReadAsync(truncated, CancellationToken.None));
    }

    private static byte[] Idx(int magic, int[] dimensions, byte[] data)
    {
        var bytes = new byte[4 + (4 * dimensions.Length) + data.Length];
        BinaryPrimitives.WriteInt32BigEndian(bytes, magic);
        for (var i = 0; i < dimensions.Length; i++)
        {
            BinaryPrimitives.WriteInt32BigEndian(bytes.AsSpan(4 + (4 * i)), dimensions[i]);
        }

        data.CopyTo(bytes, 4 + (4 * dimensions.Length));
        return bytes;
    }

    private static void Write(string path, byte[] bytes, bool gzip)
    {
        using var file = File.Create(path);
        if (!gzip)
        {
            file.Write(bytes);
            return;
        }

        using var stream = new GZipStream(file, CompressionLevel.Fastest);
        stream.Write(bytes);
    }
}
