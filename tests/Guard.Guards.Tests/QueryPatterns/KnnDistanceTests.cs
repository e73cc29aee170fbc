using Guard.Guards.QueryPatterns;

namespace Guard.Guards.Tests.QueryPatterns;

public sealed class KnnDistanceTests
{
    private static int BruteForce(byte[] a, byte[] b) => a.Zip(b, (x, y) => (x - y) * (x - y)).Sum();

    [Fact]
    public void Squared_distance_matches_brute_force_at_every_length()
    {
        var random = new Random(7);
        for (var length = 0; length <= 200; length++)
        {
            var a = new byte[length];
            var b = new byte[length];
            random.NextBytes(a);
            random.NextBytes(b);
            Assert.Equal(BruteForce(a, b), KnnDistance.SquaredLevels(a, b));
        }
    }

    [Fact]
    public void Extremes_do_not_overflow()
    {
        var zeros = new byte[4096];
        var full = Enumerable.Repeat((byte)255, 4096).ToArray();
        Assert.Equal(4096 * 255 * 255, KnnDistance.SquaredLevels(zeros, full));
        Assert.Equal(4096 * 255 * 255, KnnDistance.SquaredLevels(full, zeros));
    }

    [Fact]
    public void Different_sizes_are_refused() =>
        Assert.Throws<ArgumentException>(() => KnnDistance.SquaredLevels(new byte[3], new byte[4]));

    [Fact]
    public void Nearest_neighbours_match_a_brute_force_sort()
    {
        var random = new Random(11);
        var entry = new KnnEntry(0, 1);
        for (var trial = 0; trial < 50; trial++)
        {
            var dims = random.Next(1, 80);
            var query = new byte[dims];
            random.NextBytes(query);
            var entries = new List<ReadOnlyMemory<byte>>();
            for (var i = 0; i < random.Next(0, 300); i++)
            {
                // Some entries of another size, and small level ranges so that ties happen.
                var size = random.Next(10) == 0 ? dims + 1 : dims;
                var levels = new float[size];
                for (var d = 0; d < size; d++)
                {
                    levels[d] = random.Next(4) / 255f;
                }

                entries.Add(entry.Encode((ulong)i, levels));
            }

            var k = random.Next(1, 20);
            var nearest = new KnnNeighbour[k];
            var found = KnnSearch.Nearest(query, entries, nearest, out var comparable);

            var expected = entries
                .Select((e, i) => (Index: i, Entry: e))
                .Where(x => x.Entry.Length == KnnEntry.HeaderSize + dims)
                .Select(x => new KnnNeighbour(x.Index, BruteForce(query, x.Entry.Span[KnnEntry.HeaderSize..].ToArray())))
                .OrderBy(n => n.SquaredLevels).ThenBy(n => n.Index)
                .ToArray();
            Assert.Equal(expected.Length, comparable);
            Assert.Equal(expected.Take(k), nearest[..found]);
        }
    }

    [Fact]
    public void Mean_distance_is_in_embedding_units()
    {
        KnnNeighbour[] neighbours = [new(0, 9), new(1, 16), new(2, 25)];
        Assert.Equal(4.0 * 0.5, KnnSearch.MeanDistance(neighbours, 0.5), 12);
        Assert.Equal(double.PositiveInfinity, KnnSearch.MeanDistance([], 0.5));
    }

    [Fact]
    public void Entries_quantize_over_their_range_and_skip_other_versions()
    {
        var codec = new KnnEntry(-1f, 1f);
        var encoded = codec.Encode(0x0102030405060708UL, [-1f, 0f, 1f, -5f, 5f]);
        Assert.Equal(KnnEntry.HeaderSize + 5, encoded.Length);
        Assert.Equal(0x0102030405060708UL, KnnEntry.QueryId(encoded));
        Assert.True(KnnEntry.TryGetLevels(encoded, 5, out var levels));
        Assert.Equal([0, 128, 255, 0, 255], levels.ToArray());
        Assert.False(KnnEntry.TryGetLevels(encoded, 4, out _));
        encoded[0] = KnnEntry.Version + 1;
        Assert.False(KnnEntry.TryGetLevels(encoded, 5, out _));
        Assert.Equal("0102030405060708", KnnEntry.FormatId(0x0102030405060708UL));
        Assert.Throws<ArgumentException>(() => new KnnEntry(1f, 1f));
        Assert.Throws<ArgumentException>(() => new KnnEntry(0f, float.NaN));
    }
}
