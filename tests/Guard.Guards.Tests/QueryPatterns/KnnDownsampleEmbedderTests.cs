using Guard.Guards.QueryPatterns;

namespace Guard.Guards.Tests.QueryPatterns;

public sealed class KnnDownsampleEmbedderTests
{
    private static float[] Embed(DownsampleEmbedder embedder, float[] input, params long[] shape)
    {
        var output = new float[embedder.GetEmbeddingSize(shape, input.Length)];
        embedder.Embed(input, shape, output);
        return output;
    }

    private static float[] Ramp(int count) => [.. Enumerable.Range(0, count).Select(i => (float)i)];

    [Fact]
    public void A_4x4_image_pools_to_2x2_block_means()
    {
        // 0  1  2  3
        // 4  5  6  7
        // 8  9 10 11
        // 12 13 14 15
        var output = Embed(new DownsampleEmbedder(grid: 2), Ramp(16), 1, 1, 4, 4);
        Assert.Equal([2.5f, 4.5f, 10.5f, 12.5f], output);
    }

    [Fact]
    public void Uneven_sizes_use_overlapping_adaptive_cells()
    {
        // 3×3 into 2×2: rows and columns [0, 2) and [1, 3).
        // 0 1 2 / 3 4 5 / 6 7 8 → top-left mean(0,1,3,4) = 2, top-right mean(1,2,4,5) = 3, bottom-left 5, bottom-right 6.
        Assert.Equal([2f, 3f, 5f, 6f], Embed(new DownsampleEmbedder(grid: 2), Ramp(9), 1, 1, 3, 3));
    }

    [Fact]
    public void Channels_first_planes_are_pooled_one_after_another()
    {
        var input = Ramp(32); // two 4×4 planes: the second is the first + 16
        Assert.Equal([2.5f, 4.5f, 10.5f, 12.5f, 18.5f, 20.5f, 26.5f, 28.5f], Embed(new DownsampleEmbedder(grid: 2), input, 1, 2, 4, 4));
    }

    [Fact]
    public void Channels_last_images_are_recognised()
    {
        // 6×6×3, channel c of pixel p holds 100·c + p: each channel plane is pooled on its own.
        var input = new float[6 * 6 * 3];
        for (var p = 0; p < 36; p++)
        {
            for (var c = 0; c < 3; c++)
            {
                input[(p * 3) + c] = (100 * c) + p;
            }
        }

        var output = Embed(new DownsampleEmbedder(grid: 2), input, 1, 6, 6, 3);
        Assert.Equal(12, output.Length);
        // Top-left 3×3 cell of a plane: pixels 0,1,2,6,7,8,12,13,14 → mean 7.
        Assert.Equal([7f, 10f, 25f, 28f], output[..4]);
        Assert.Equal([107f, 110f, 125f, 128f], output[4..8]);
        Assert.Equal([207f, 210f, 225f, 228f], output[8..]);
    }

    [Fact]
    public void One_dimensional_inputs_pool_to_grid_squared_buckets()
    {
        // 10 values into 4 buckets: [0,3) [2,5) [5,8) [7,10).
        var output = Embed(new DownsampleEmbedder(grid: 2), Ramp(10), 1, 10);
        Assert.Equal([1f, 3f, 6f, 8f], output);
    }

    [Fact]
    public void Fewer_values_than_buckets_repeat_them()
    {
        Assert.Equal([5f, 5f, 7f, 7f], Embed(new DownsampleEmbedder(grid: 2), [5f, 7f], 2));
    }

    [Fact]
    public void Too_many_planes_or_a_shape_that_does_not_match_fall_back_to_flat_pooling()
    {
        var embedder = new DownsampleEmbedder(grid: 2, maxPlanes: 4);
        Assert.Equal(4, embedder.GetEmbeddingSize([1, 5, 4, 4], 80));
        Assert.Equal(4, embedder.GetEmbeddingSize([1, 1, 4, 4], 20));
        Assert.Equal(4, embedder.GetEmbeddingSize([-1, 4, 4], 16));
        Assert.Equal(0, embedder.GetEmbeddingSize([1, 1, 4, 4], 0));
        Assert.Equal(16, embedder.GetEmbeddingSize([1, 4, 4, 4], 64));
    }

    [Fact]
    public void The_fashion_image_makes_64_values_in_its_range()
    {
        var embedder = new DownsampleEmbedder();
        var image = new float[784];
        Array.Fill(image, 0.25f);
        var output = Embed(embedder, image, 1, 1, 28, 28);
        Assert.Equal(64, output.Length);
        Assert.All(output, v => Assert.Equal(0.25f, v, 6));
    }

    [Fact]
    public void A_destination_of_the_wrong_size_is_refused() =>
        Assert.Throws<ArgumentException>(() => new DownsampleEmbedder(grid: 2).Embed(Ramp(16), [1, 1, 4, 4], new float[3]));

    [Fact]
    public void Bad_parameters_are_refused()
    {
        Assert.Throws<ArgumentOutOfRangeException>(() => new DownsampleEmbedder(grid: 0));
        Assert.Throws<ArgumentOutOfRangeException>(() => new DownsampleEmbedder(grid: 65));
        Assert.Throws<ArgumentOutOfRangeException>(() => new DownsampleEmbedder(maxPlanes: 0));
    }
}
