using System.Buffers;

namespace Guard.Guards.QueryPatterns;

/// <summary>
/// The cheapest useful embedding for stateful k-NN detection: adaptive average pooling of every image plane to
/// <see cref="Grid"/>×<see cref="Grid"/>, flattened plane by plane. Averaging is a low-pass filter, so the small dense
/// perturbations of query-based attacks (noise probes, sign steps, boundary walks) shrink by about the square root of
/// the cell size while the image content that tells benign queries apart survives.
/// </summary>
/// <remarks>
/// <para>Layout: the last two dimensions are height and width (NCHW, or CHW), and every leading dimension (channels,
/// batch) makes planes. A rank-3+ shape whose last dimension is 1, 3 or 4 and whose two before it are both larger than 4
/// is read as channels-last (NHWC). More than <see cref="MaxPlanes"/> planes, a shape that does not describe the data,
/// or a 1-wide dimension: the flattened input is pooled into Grid² buckets instead, so the size stays bounded.</para>
/// <para>Cells follow adaptive pooling: output cell i of n over a length L covers [floor(i·L/n), ceil((i+1)·L/n)).</para>
/// </remarks>
public sealed class DownsampleEmbedder : IQueryEmbedder
{
    public DownsampleEmbedder(int grid = 8, int maxPlanes = 4)
    {
        ArgumentOutOfRangeException.ThrowIfLessThan(grid, 1);
        ArgumentOutOfRangeException.ThrowIfGreaterThan(grid, 64);
        ArgumentOutOfRangeException.ThrowIfLessThan(maxPlanes, 1);
        Grid = grid;
        MaxPlanes = maxPlanes;
    }

    public int Grid { get; }

    public int MaxPlanes { get; }

    public int GetEmbeddingSize(ReadOnlySpan<long> shape, int elementCount)
    {
        if (elementCount <= 0)
        {
            return 0;
        }

        return TryImage(shape, elementCount, out var image) ? image.Planes * Grid * Grid : Grid * Grid;
    }

    public void Embed(ReadOnlySpan<float> input, ReadOnlySpan<long> shape, Span<float> destination)
    {
        var size = GetEmbeddingSize(shape, input.Length);
        if (size == 0 || destination.Length != size)
        {
            throw new ArgumentException($"The destination must hold {size} values (got {destination.Length}).", nameof(destination));
        }

        if (TryImage(shape, input.Length, out var image))
        {
            PoolImage(input, image, destination);
        }
        else
        {
            PoolFlat(input, destination);
        }
    }

    private bool TryImage(ReadOnlySpan<long> shape, int elementCount, out ImageLayout image)
    {
        image = default;
        if (shape.Length < 2)
        {
            return false;
        }

        long product = 1;
        foreach (var dim in shape)
        {
            if (dim <= 0)
            {
                return false;
            }

            product *= dim;
            if (product > elementCount)
            {
                return false;
            }
        }

        if (product != elementCount)
        {
            return false;
        }

        var channelsLast = shape.Length >= 3 && shape[^1] is 1 or 3 or 4 && shape[^2] > 4 && shape[^3] > 4;
        var height = (int)(channelsLast ? shape[^3] : shape[^2]);
        var width = (int)(channelsLast ? shape[^2] : shape[^1]);
        var channels = channelsLast ? (int)shape[^1] : 1;
        if (height < 2 || width < 2)
        {
            return false;
        }

        var planes = elementCount / (height * width);
        if (planes > MaxPlanes)
        {
            return false;
        }

        image = new ImageLayout(planes, height, width, channels);
        return true;
    }

    private void PoolImage(ReadOnlySpan<float> input, ImageLayout image, Span<float> destination)
    {
        // Separable: pool each row's columns into Grid sums, then the rows of each column cell; every element is read
        // once (plus the overlap of adaptive cells) instead of once per output cell.
        var rowSums = ArrayPool<float>.Shared.Rent(image.Height * Grid);
        try
        {
            var xStride = image.Channels;
            var rowStride = image.Width * image.Channels;
            var cellsPerPlane = Grid * Grid;
            for (var plane = 0; plane < image.Planes; plane++)
            {
                // Plane p is channel p % C of image p / C (C = 1 for channels-first, where planes are contiguous).
                var offset = (plane / image.Channels * image.Height * rowStride) + (plane % image.Channels);
                for (var y = 0; y < image.Height; y++)
                {
                    var row = offset + (y * rowStride);
                    for (var cx = 0; cx < Grid; cx++)
                    {
                        var (x0, x1) = Cell(cx, image.Width);
                        var sum = 0f;
                        for (var x = x0; x < x1; x++)
                        {
                            sum += input[row + (x * xStride)];
                        }

                        rowSums[(y * Grid) + cx] = sum;
                    }
                }

                var output = destination.Slice(plane * cellsPerPlane, cellsPerPlane);
                for (var cy = 0; cy < Grid; cy++)
                {
                    var (y0, y1) = Cell(cy, image.Height);
                    for (var cx = 0; cx < Grid; cx++)
                    {
                        var (x0, x1) = Cell(cx, image.Width);
                        var sum = 0f;
                        for (var y = y0; y < y1; y++)
                        {
                            sum += rowSums[(y * Grid) + cx];
                        }

                        output[(cy * Grid) + cx] = sum / ((y1 - y0) * (x1 - x0));
                    }
                }
            }
        }
        finally
        {
            ArrayPool<float>.Shared.Return(rowSums);
        }
    }

    private static void PoolFlat(ReadOnlySpan<float> input, Span<float> destination)
    {
        var buckets = destination.Length;
        for (var i = 0; i < buckets; i++)
        {
            var (start, end) = Cell(i, input.Length, buckets);
            var sum = 0f;
            foreach (var value in input[start..end])
            {
                sum += value;
            }

            destination[i] = sum / (end - start);
        }
    }

    private (int Start, int End) Cell(int index, int length) => Cell(index, length, Grid);

    private static (int Start, int End) Cell(int index, int length, int cells) =>
        ((int)((long)index * length / cells), (int)((((long)(index + 1) * length) + cells - 1) / cells));

    private readonly record struct ImageLayout(int Planes, int Height, int Width, int Channels);
}
