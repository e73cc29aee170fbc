using System.IO.Compression;

namespace Guard.AuditLog;

/// <summary>Compresses input tensors into <see cref="TensorSnapshot"/>s and back. Stateless.</summary>
public static class TensorSnapshotCodec
{
    /// <summary>The default cap on compressed snapshot bytes: enough for typical image or embedding inputs, small enough
    /// that an attacker sending huge tensors cannot grow the log faster than the requests themselves.</summary>
    public const int DefaultMaxCompressedBytes = 64 * 1024;

    /// <summary>Compresses <paramref name="raw"/>; null when the result is over <paramref name="maxCompressedBytes"/>
    /// (the caller then stores only the input hash).</summary>
    public static TensorSnapshot? TryCreate(
        string datatype,
        IReadOnlyList<long> shape,
        ReadOnlySpan<byte> raw,
        int maxCompressedBytes = DefaultMaxCompressedBytes,
        SnapshotEncoding encoding = SnapshotEncoding.Brotli)
    {
        ArgumentNullException.ThrowIfNull(datatype);
        ArgumentNullException.ThrowIfNull(shape);
        ArgumentOutOfRangeException.ThrowIfNegative(maxCompressedBytes);
        var compressed = Compress(raw, encoding);
        return compressed.Length > maxCompressedBytes
            ? null
            : new TensorSnapshot(datatype, shape.ToArray(), encoding, raw.Length, compressed);
    }

    /// <summary>The raw tensor bytes of <paramref name="snapshot"/>.</summary>
    public static byte[] Decompress(TensorSnapshot snapshot)
    {
        using var decoder = OpenRead(snapshot);
        var output = new MemoryStream(snapshot.UncompressedLength);
        decoder.CopyTo(output);
        return output.ToArray();
    }

    /// <summary>A forward-only stream of the raw tensor bytes, for readers that need only part of them (e.g. one image
    /// of a batch) and should not hold the whole tensor in memory. Damaged data throws while reading:
    /// <see cref="InvalidDataException"/> from gzip, <see cref="InvalidOperationException"/> from Brotli.</summary>
    public static Stream OpenRead(TensorSnapshot snapshot)
    {
        ArgumentNullException.ThrowIfNull(snapshot);
        // The decoder owns (and disposes) its input.
        return snapshot.Encoding switch
        {
            SnapshotEncoding.Brotli => new BrotliStream(Input(snapshot), CompressionMode.Decompress),
            SnapshotEncoding.Gzip => new GZipStream(Input(snapshot), CompressionMode.Decompress),
            _ => throw new ArgumentOutOfRangeException(nameof(snapshot), snapshot.Encoding, "Unknown snapshot encoding."),
        };
    }

    private static MemoryStream Input(TensorSnapshot snapshot) => new(snapshot.Data.ToArray(), writable: false);

    private static byte[] Compress(ReadOnlySpan<byte> raw, SnapshotEncoding encoding)
    {
        var output = new MemoryStream();
        using (Stream encoder = encoding switch
        {
            SnapshotEncoding.Brotli => new BrotliStream(output, CompressionLevel.Optimal, leaveOpen: true),
            SnapshotEncoding.Gzip => new GZipStream(output, CompressionLevel.Optimal, leaveOpen: true),
            _ => throw new ArgumentOutOfRangeException(nameof(encoding), encoding, "Unknown snapshot encoding."),
        })
        {
            encoder.Write(raw);
        }

        return output.ToArray();
    }
}
