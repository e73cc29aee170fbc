using Guard.AuditLog;

namespace Guard.Admin.Imaging;

/// <summary>
/// Shows logged inputs (<see cref="TensorSnapshot"/>) as PNGs for the console. A snapshot is an image when its
/// datatype has pixels (<see cref="PixelSamples"/>: UINT8 as is, FP16/FP32/FP64 assumed in [0, 1] and clamped) and
/// its shape is one of [N,1,H,W], [N,3,H,W], [N,H,W,1], [N,H,W,3], [1,H,W] or [H,W], with N at least 1, H and W
/// from <see cref="MinSide"/> to <see cref="MaxSide"/>, and the recorded uncompressed length matching the shape.
/// Both snapshot encodings (Brotli, gzip) are read; only the requested image is decompressed into memory.
/// </summary>
public static class SnapshotImage
{
    /// <summary>The smallest height and width taken for an image (smaller tensors are feature vectors, not pictures).</summary>
    public const int MinSide = 4;

    /// <summary>The largest height and width taken for an image.</summary>
    public const int MaxSide = 1024;

    /// <summary>The largest upscaling factor.</summary>
    public const int MaxScale = 16;

    /// <summary>The longest side of a rendered PNG: a larger scale is reduced to fit (never below 1), so one request
    /// cannot make the server build a 16384-pixel-square image.</summary>
    public const int MaxOutputSide = 2048;

    /// <summary>How <paramref name="snapshot"/> reads as images, or null when it is not one. Looks only at the
    /// metadata; nothing is decompressed.</summary>
    public static SnapshotImageLayout? Describe(TensorSnapshot snapshot) => Inspect(snapshot)?.Layout;

    /// <summary>Whether <paramref name="snapshot"/> can be rendered.</summary>
    public static bool IsImage(TensorSnapshot snapshot) => Describe(snapshot) is not null;

    /// <summary>
    /// Image <paramref name="index"/> of the batch as a PNG, upscaled <paramref name="scale"/> times by nearest
    /// neighbour (reduced so neither side exceeds <see cref="MaxOutputSide"/>); null when the snapshot is not an image
    /// or the batch has no such index. Throws <see cref="ArgumentOutOfRangeException"/> for a negative index or a
    /// scale outside 1 to <see cref="MaxScale"/>, and <see cref="InvalidDataException"/> when the stored bytes are
    /// damaged (they do not decompress, or end early).
    /// </summary>
    public static byte[]? RenderPng(TensorSnapshot snapshot, int index = 0, int scale = 1)
    {
        ArgumentOutOfRangeException.ThrowIfNegative(index);
        ArgumentOutOfRangeException.ThrowIfLessThan(scale, 1);
        ArgumentOutOfRangeException.ThrowIfGreaterThan(scale, MaxScale);
        if (Inspect(snapshot) is not { } found || index >= found.Layout.Count)
        {
            return null;
        }

        var (layout, samples) = found;

        var raw = ReadImage(snapshot, index, ImageBytes(layout, samples));
        var pixels = ToPixels(raw, layout, samples);
        var fit = Math.Max(1, MaxOutputSide / Math.Max(layout.Height, layout.Width));
        var factor = Math.Min(scale, fit);
        var scaled = Upscale(pixels, layout.Width, layout.Height, layout.Channels, factor);
        return PngEncoder.Encode(
            scaled, layout.Width * factor, layout.Height * factor, layout.Channels == 1 ? PngColorType.Grayscale : PngColorType.Rgb);
    }

    private static (SnapshotImageLayout Layout, PixelSamples Samples)? Inspect(TensorSnapshot snapshot)
    {
        ArgumentNullException.ThrowIfNull(snapshot);
        if (!Enum.IsDefined(snapshot.Encoding)
            || PixelSamples.For(snapshot.Datatype) is not { } samples
            || snapshot.Shape is null
            || FromShape(snapshot.Shape) is not { } layout)
        {
            return null;
        }

        // A length that disagrees with the shape means a damaged row; reading it would fail or mislead.
        return (long)layout.Count * ImageBytes(layout, samples) == snapshot.UncompressedLength ? (layout, samples) : null;
    }

    private static SnapshotImageLayout? FromShape(IReadOnlyList<long> shape)
    {
        var layout = shape switch
        {
            [var n, 1 or 3, var h, var w] when IsSide(h) && IsSide(w) => new SnapshotImageLayout(Count(n), (int)h, (int)w, (int)shape[1], ChannelsLast: false),
            [var n, var h, var w, 1 or 3] when IsSide(h) && IsSide(w) => new SnapshotImageLayout(Count(n), (int)h, (int)w, (int)shape[3], ChannelsLast: true),
            [1, var h, var w] when IsSide(h) && IsSide(w) => new SnapshotImageLayout(1, (int)h, (int)w, 1, ChannelsLast: false),
            [var h, var w] when IsSide(h) && IsSide(w) => new SnapshotImageLayout(1, (int)h, (int)w, 1, ChannelsLast: false),
            _ => null,
        };
        return layout is { Count: > 0 } ? layout : null;
    }

    private static bool IsSide(long side) => side is >= MinSide and <= MaxSide;

    /// <summary>The batch size, or 0 (not an image) when it is not a positive int.</summary>
    private static int Count(long n) => n is > 0 and <= int.MaxValue ? (int)n : 0;

    private static int ImageBytes(SnapshotImageLayout layout, PixelSamples samples) =>
        layout.Height * layout.Width * layout.Channels * samples.ElementSize;

    /// <summary>Decompresses up to the end of image <paramref name="index"/>, keeping only that image's bytes.</summary>
    private static byte[] ReadImage(TensorSnapshot snapshot, int index, int imageBytes)
    {
        using var stream = TensorSnapshotCodec.OpenRead(snapshot);
        var image = new byte[imageBytes];
        try
        {
            for (var skipped = 0; skipped < index; skipped++)
            {
                stream.ReadExactly(image);
            }

            stream.ReadExactly(image);
        }
        catch (EndOfStreamException ex)
        {
            throw new InvalidDataException("The snapshot's bytes end before its recorded shape does.", ex);
        }
        catch (InvalidOperationException ex)
        {
            // BrotliStream's way of saying the data is damaged (gzip already throws InvalidDataException).
            throw new InvalidDataException("The snapshot's bytes do not decompress.", ex);
        }

        return image;
    }

    /// <summary>Rows of interleaved 8-bit samples, from either planar [C,H,W] or interleaved [H,W,C] elements.</summary>
    private static byte[] ToPixels(ReadOnlySpan<byte> raw, SnapshotImageLayout layout, PixelSamples samples)
    {
        var (height, width, channels) = (layout.Height, layout.Width, layout.Channels);
        var pixels = new byte[height * width * channels];
        for (var y = 0; y < height; y++)
        {
            for (var x = 0; x < width; x++)
            {
                for (var c = 0; c < channels; c++)
                {
                    var element = layout.ChannelsLast ? (y * width + x) * channels + c : (c * height + y) * width + x;
                    pixels[(y * width + x) * channels + c] = samples.Sample(raw, element);
                }
            }
        }

        return pixels;
    }

    /// <summary>Each pixel becomes a <paramref name="factor"/>-square block.</summary>
    private static byte[] Upscale(byte[] pixels, int width, int height, int channels, int factor)
    {
        if (factor == 1)
        {
            return pixels;
        }

        var rowBytes = width * channels;
        var scaledRowBytes = rowBytes * factor;
        var scaled = new byte[scaledRowBytes * height * factor];
        for (var y = 0; y < height; y++)
        {
            var row = scaled.AsSpan(y * factor * scaledRowBytes, scaledRowBytes);
            for (var x = 0; x < width; x++)
            {
                var pixel = pixels.AsSpan((y * width + x) * channels, channels);
                for (var r = 0; r < factor; r++)
                {
                    pixel.CopyTo(row[((x * factor + r) * channels)..]);
                }
            }

            for (var r = 1; r < factor; r++)
            {
                row.CopyTo(scaled.AsSpan((y * factor + r) * scaledRowBytes, scaledRowBytes));
            }
        }

        return scaled;
    }
}
