using System.Buffers.Binary;
using Guard.Admin.Imaging;
using Guard.AuditLog;

namespace Guard.Admin.Tests.Imaging;

public sealed class SnapshotImageTests
{
    /// <summary>A distinct 8-bit value for every (image, channel, row, column).</summary>
    private static byte Value(int n, int c, int y, int x) => (byte)((n * 50 + c * 85 + y * 11 + x * 3) % 256);

    [Theory]
    [InlineData(new long[] { 3, 1, 6, 5 }, 3, 1, 6, 5, false, 2)]
    [InlineData(new long[] { 3, 3, 6, 5 }, 3, 3, 6, 5, false, 1)]
    [InlineData(new long[] { 3, 6, 5, 1 }, 3, 1, 6, 5, true, 2)]
    [InlineData(new long[] { 3, 6, 5, 3 }, 3, 3, 6, 5, true, 1)]
    [InlineData(new long[] { 1, 6, 5 }, 1, 1, 6, 5, false, 0)]
    [InlineData(new long[] { 6, 5 }, 1, 1, 6, 5, false, 0)]
    [InlineData(new long[] { 1, 3, 4, 1024 }, 1, 3, 4, 1024, false, 0)]
    public async Task Every_supported_layout_renders_the_requested_image(long[] shape, int n, int channels, int height, int width, bool channelsLast, int index)
    {
        var raw = new byte[n * channels * height * width];
        for (var b = 0; b < n; b++)
        {
            for (var c = 0; c < channels; c++)
            {
                for (var y = 0; y < height; y++)
                {
                    for (var x = 0; x < width; x++)
                    {
                        var at = channelsLast ? ((b * height + y) * width + x) * channels + c : ((b * channels + c) * height + y) * width + x;
                        raw[at] = Value(b, c, y, x);
                    }
                }
            }
        }

        var snapshot = Tensors.Snapshot("UINT8", shape, raw);

        Assert.Equal(new SnapshotImageLayout(n, height, width, channels, channelsLast), SnapshotImage.Describe(snapshot));
        Assert.True(SnapshotImage.IsImage(snapshot));
        var decoded = await PythonPngDecoder.DecodeAsync(SnapshotImage.RenderPng(snapshot, index)!);
        Assert.Equal((width, height, channels == 3 ? 2 : 0), (decoded.Width, decoded.Height, decoded.ColorType));
        var expected = new byte[height * width * channels];
        for (var y = 0; y < height; y++)
        {
            for (var x = 0; x < width; x++)
            {
                for (var c = 0; c < channels; c++)
                {
                    expected[(y * width + x) * channels + c] = Value(index, c, y, x);
                }
            }
        }

        Assert.Equal(expected, decoded.Pixels);
    }

    [Theory]
    [InlineData("UINT8")]
    [InlineData("FP16")]
    [InlineData("FP32")]
    [InlineData("FP64")]
    [InlineData("fp32")]
    public async Task Each_pixel_datatype_gives_the_same_picture(string datatype)
    {
        var levels = Enumerable.Range(0, 256).Select(k => (byte)k).ToArray();
        var values = levels.Select(k => datatype == "UINT8" ? k : k / 255f).ToArray();
        var snapshot = Tensors.Snapshot(datatype, [1, 1, 16, 16], Tensors.Encode(datatype.ToUpperInvariant(), values));

        var decoded = await PythonPngDecoder.DecodeAsync(SnapshotImage.RenderPng(snapshot)!);

        Assert.Equal(levels, decoded.Pixels);
    }

    [Theory]
    [InlineData(SnapshotEncoding.Brotli)]
    [InlineData(SnapshotEncoding.Gzip)]
    public async Task Floats_are_clamped_to_the_unit_range_and_nan_shows_black(SnapshotEncoding encoding)
    {
        float[] values = [-1f, 0f, 0.2f, 0.5f, 1f, 2f, float.NaN, float.PositiveInfinity, float.NegativeInfinity, 1e-9f, 0.999f, 100f, 0.25f, 0.75f, -0f, float.Epsilon];
        byte[] expected = [0, 0, 51, 128, 255, 255, 0, 255, 0, 0, 255, 255, 64, 191, 0, 0];
        var snapshot = Tensors.Snapshot("FP32", [4, 4], Tensors.Encode("FP32", values), encoding);

        var decoded = await PythonPngDecoder.DecodeAsync(SnapshotImage.RenderPng(snapshot)!);

        Assert.Equal(expected, decoded.Pixels);
    }

    [Fact]
    public async Task Scaling_repeats_each_pixel_as_a_square_block()
    {
        var raw = Enumerable.Range(0, 5 * 4 * 3).Select(i => (byte)(i * 4)).ToArray();
        var snapshot = Tensors.Snapshot("UINT8", [1, 5, 4, 3], raw);

        var decoded = await PythonPngDecoder.DecodeAsync(SnapshotImage.RenderPng(snapshot, scale: 3)!);

        Assert.Equal((12, 15), (decoded.Width, decoded.Height));
        for (var y = 0; y < 15; y++)
        {
            for (var x = 0; x < 12; x++)
            {
                Assert.Equal(raw.AsSpan(((y / 3) * 4 + x / 3) * 3, 3).ToArray(), decoded.Pixels.AsSpan((y * 12 + x) * 3, 3).ToArray());
            }
        }
    }

    [Fact]
    public void A_large_scale_is_reduced_so_the_picture_fits_the_maximum_side()
    {
        var snapshot = Tensors.Snapshot("UINT8", [600, 500], new byte[600 * 500]);
        var small = Tensors.Snapshot("UINT8", [28, 28], new byte[28 * 28]);
        var huge = Tensors.Snapshot("UINT8", [1024, 1024], new byte[1024 * 1024]);

        Assert.Equal((1500, 1800), Size(SnapshotImage.RenderPng(snapshot, scale: 16)!));
        Assert.Equal((28 * 16, 28 * 16), Size(SnapshotImage.RenderPng(small, scale: 16)!));
        Assert.Equal((2048, 2048), Size(SnapshotImage.RenderPng(huge, scale: 16)!));
    }

    public static TheoryData<string, long[], int?> NotImages => new()
    {
        { "INT64", [1, 1, 28, 28], null },
        { "INT8", [1, 1, 28, 28], null },
        { "BOOL", [1, 1, 28, 28], null },
        { "BYTES", [1, 1, 28, 28], null },
        { "UINT8", [1, 2, 28, 28], null },
        { "UINT8", [1, 28, 28, 4], null },
        { "UINT8", [3, 28, 28], null },
        { "UINT8", [28 * 28], null },
        { "UINT8", [1, 1, 1, 28, 28], null },
        { "UINT8", [1, 1, 3, 28], null },
        { "UINT8", [1, 1, 1025, 28], null },
        { "UINT8", [0, 1, 28, 28], 0 },
        { "UINT8", [-1, 1, 28, 28], null },
        { "UINT8", [28, 28], 28 * 28 + 1 },
        { "FP32", [28, 28], 28 * 28 },
    };

    [Theory]
    [MemberData(nameof(NotImages))]
    public void Other_datatypes_shapes_and_lengths_are_not_images(string datatype, long[] shape, int? length)
    {
        var snapshot = Tensors.Snapshot("UINT8", [28 * 28], new byte[28 * 28]) with
        {
            Datatype = datatype,
            Shape = shape,
            UncompressedLength = length ?? 28 * 28,
        };

        Assert.Null(SnapshotImage.Describe(snapshot));
        Assert.False(SnapshotImage.IsImage(snapshot));
        Assert.Null(SnapshotImage.RenderPng(snapshot));
    }

    [Fact]
    public void An_unknown_encoding_is_not_an_image() =>
        Assert.Null(SnapshotImage.RenderPng(Tensors.Snapshot("UINT8", [28, 28], new byte[28 * 28]) with { Encoding = (SnapshotEncoding)9 }));

    [Fact]
    public void Indexes_past_the_batch_are_not_images_and_bad_arguments_throw()
    {
        var snapshot = Tensors.Snapshot("UINT8", [2, 1, 8, 8], new byte[128]);

        Assert.NotNull(SnapshotImage.RenderPng(snapshot, index: 1));
        Assert.Null(SnapshotImage.RenderPng(snapshot, index: 2));
        Assert.Throws<ArgumentOutOfRangeException>(() => SnapshotImage.RenderPng(snapshot, index: -1));
        Assert.Throws<ArgumentOutOfRangeException>(() => SnapshotImage.RenderPng(snapshot, scale: 0));
        Assert.Throws<ArgumentOutOfRangeException>(() => SnapshotImage.RenderPng(snapshot, scale: SnapshotImage.MaxScale + 1));
        Assert.Throws<ArgumentNullException>(() => SnapshotImage.RenderPng(null!));
    }

    [Theory]
    [InlineData(SnapshotEncoding.Brotli)]
    [InlineData(SnapshotEncoding.Gzip)]
    public void Damaged_bytes_throw_invalid_data(SnapshotEncoding encoding)
    {
        var one = Tensors.Snapshot("UINT8", [1, 1, 8, 8], new byte[64], encoding);
        var shortened = one with { Shape = [2, 1, 8, 8], UncompressedLength = 128 };
        var garbage = one with { Data = Enumerable.Range(0, 40).Select(i => (byte)(i * 37 + 5)).ToArray() };

        Assert.Throws<InvalidDataException>(() => SnapshotImage.RenderPng(shortened, index: 1));
        Assert.Throws<InvalidDataException>(() => SnapshotImage.RenderPng(garbage));
    }

    [Theory]
    [InlineData(SnapshotEncoding.Brotli)]
    [InlineData(SnapshotEncoding.Gzip)]
    public async Task A_logged_28x28_fp32_image_round_trips_to_a_scaled_png(SnapshotEncoding encoding)
    {
        // A gradient whose every value is k/255, so the expected 8-bit pixel is exactly k.
        var levels = new byte[28 * 28];
        for (var y = 0; y < 28; y++)
        {
            for (var x = 0; x < 28; x++)
            {
                levels[y * 28 + x] = (byte)((x * 9 + y * 5) % 256);
            }
        }

        var raw = Tensors.Encode("FP32", levels.Select(k => k / 255f).ToArray());
        var directory = Directory.CreateTempSubdirectory("guard-admin-png-");
        try
        {
            long id;
            BlockedQuery? read;
            await using (var log = new SqliteBlockedQueryLog(Path.Combine(directory.FullName, "audit.db")))
            {
                id = await log.AppendAsync(new BlockedQuery
                {
                    TimeUtc = DateTimeOffset.UtcNow,
                    RequestId = "req-1",
                    ClientId = "client",
                    Model = "fashion_cnn",
                    Guard = "knn",
                    Score = 0.9,
                    Threshold = 0.5,
                    Action = BlockAction.Reject,
                    InputHash = InputHash.Compute(raw),
                    Snapshot = TensorSnapshotCodec.TryCreate("FP32", [1, 1, 28, 28], raw, encoding: encoding),
                });
                read = await log.GetAsync(id);
            }

            var snapshot = read?.Snapshot;
            Assert.NotNull(snapshot);
            Assert.Equal(raw, TensorSnapshotCodec.Decompress(snapshot));
            Assert.Equal(new SnapshotImageLayout(1, 28, 28, 1, false), SnapshotImage.Describe(snapshot));
            var decoded = await PythonPngDecoder.DecodeAsync(SnapshotImage.RenderPng(snapshot, 0, 8)!);

            Assert.Equal((224, 224, 0), (decoded.Width, decoded.Height, decoded.ColorType));
            var expected = new byte[224 * 224];
            for (var i = 0; i < expected.Length; i++)
            {
                expected[i] = levels[(i / 224 / 8) * 28 + (i % 224) / 8];
            }

            Assert.Equal(expected, decoded.Pixels);
        }
        finally
        {
            directory.Delete(recursive: true);
        }
    }

    /// <summary>Width and height from the IHDR chunk.</summary>
    private static (int Width, int Height) Size(byte[] png) =>
        (BinaryPrimitives.ReadInt32BigEndian(png.AsSpan(16)), BinaryPrimitives.ReadInt32BigEndian(png.AsSpan(20)));
}
