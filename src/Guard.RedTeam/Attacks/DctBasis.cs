namespace Guard.RedTeam.Attacks;

/// <summary>
/// The orthonormal 2-D DCT-II basis of an image, per channel, in SimBA-DCT's order: the lowest-frequency block
/// first (side ratio·size, shuffled), then ring by ring outwards (each ring shuffled).
/// </summary>
internal static class DctBasis
{
    public static IEnumerable<BasisDirection> LowFrequencyFirst(ImageShape shape, double ratio, Random random)
    {
        var block = Math.Max(1, (int)Math.Ceiling(ratio * Math.Min(shape.Height, shape.Width)));
        var frequencies = new List<(int Channel, int U, int V, int Ring)>();
        for (var c = 0; c < shape.Channels; c++)
        {
            for (var u = 0; u < shape.Height; u++)
            {
                for (var v = 0; v < shape.Width; v++)
                {
                    frequencies.Add((c, u, v, Math.Max(block - 1, Math.Max(u, v))));
                }
            }
        }

        foreach (var ring in frequencies.GroupBy(f => f.Ring).OrderBy(g => g.Key))
        {
            var members = ring.ToArray();
            random.Shuffle(members);
            foreach (var (channel, u, v, _) in members)
            {
                yield return BasisDirection.OfVector(Component(shape, channel, u, v));
            }
        }
    }

    private static double[] Component(ImageShape shape, int channel, int u, int v)
    {
        var vector = new double[shape.Length];
        for (var i = 0; i < shape.Height; i++)
        {
            var row = Scale(u, shape.Height) * Math.Cos(Math.PI * ((2 * i) + 1) * u / (2.0 * shape.Height));
            for (var j = 0; j < shape.Width; j++)
            {
                vector[shape.Index(channel, i, j)] = row * Scale(v, shape.Width) * Math.Cos(Math.PI * ((2 * j) + 1) * v / (2.0 * shape.Width));
            }
        }

        return vector;
    }

    private static double Scale(int frequency, int size) => Math.Sqrt((frequency == 0 ? 1.0 : 2.0) / size);
}
