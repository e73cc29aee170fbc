namespace Guard.Bench.Knn;

/// <summary>Benign augmentations and the synthetic attack streams, all seeded.</summary>
internal sealed class Perturbations(int seed)
{
    private readonly Random _random = new(seed);

    /// <summary>A benign variant: shift by up to ±2 px (zero fill), brightness ×[0.8, 1.2], Gaussian noise σ 0.02, clamped.</summary>
    public float[] Benign(float[] image)
    {
        int dx = _random.Next(-2, 3), dy = _random.Next(-2, 3);
        var gain = 0.8f + (0.4f * _random.NextSingle());
        var result = new float[FashionImages.Size];
        for (var y = 0; y < FashionImages.Side; y++)
        {
            for (var x = 0; x < FashionImages.Side; x++)
            {
                int sx = x - dx, sy = y - dy;
                var v = sx is >= 0 and < FashionImages.Side && sy is >= 0 and < FashionImages.Side ? image[(sy * FashionImages.Side) + sx] : 0f;
                result[(y * FashionImages.Side) + x] = Math.Clamp((v * gain) + (0.02f * Gaussian()), 0f, 1f);
            }
        }

        return result;
    }

    /// <summary>The image plus Gaussian noise scaled to L2 norm <paramref name="norm"/>, clamped to [0, 1].</summary>
    public float[] GaussianL2(float[] image, float norm)
    {
        var noise = new float[image.Length];
        var sum = 0.0;
        for (var i = 0; i < noise.Length; i++)
        {
            noise[i] = Gaussian();
            sum += noise[i] * noise[i];
        }

        var scale = norm / (float)Math.Sqrt(sum);
        return [.. image.Select((v, i) => Math.Clamp(v + (scale * noise[i]), 0f, 1f))];
    }

    /// <summary>The image plus uniform ±<paramref name="epsilon"/> sign noise (an L∞ step), clamped.</summary>
    public float[] SignNoise(float[] image, float epsilon) =>
        [.. image.Select(v => Math.Clamp(v + (_random.Next(2) == 0 ? -epsilon : epsilon), 0f, 1f))];

    public float[] UniformNoise() => [.. Enumerable.Range(0, FashionImages.Size).Select(_ => _random.NextSingle())];

    /// <summary>
    /// A HopSkipJump-like stream started from random noise: a binary search on the blend between a uniform-noise image
    /// and the target image (each step halves the interval), then gradient-estimation probes of L2 norm 1 around the
    /// boundary point found.
    /// </summary>
    public IEnumerable<float[]> NoiseStart(float[] image, int searchSteps, int probes)
    {
        var noise = UniformNoise();
        yield return noise;
        float low = 0f, high = 1f, alpha = 0.5f;
        for (var step = 0; step < searchSteps; step++)
        {
            alpha = (low + high) / 2;
            yield return Blend(image, noise, alpha);
            // Which side the model puts it on is random here: the search converges somewhere either way.
            if (_random.Next(2) == 0)
            {
                low = alpha;
            }
            else
            {
                high = alpha;
            }
        }

        var boundary = Blend(image, noise, alpha);
        for (var i = 0; i < probes; i++)
        {
            yield return GaussianL2(boundary, 1f);
        }
    }

    private static float[] Blend(float[] image, float[] noise, float alpha) =>
        [.. image.Select((v, i) => ((1 - alpha) * v) + (alpha * noise[i]))];

    private float Gaussian()
    {
        // Box–Muller.
        var u1 = 1.0 - _random.NextDouble();
        var u2 = _random.NextDouble();
        return (float)(Math.Sqrt(-2.0 * Math.Log(u1)) * Math.Cos(2 * Math.PI * u2));
    }
}
