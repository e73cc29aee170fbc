using Guard.RedTeam.Attacks;

namespace Guard.RedTeam.Benign;

/// <summary>
/// One random benign variation of an image: an integer shift (vacated pixels become background 0), a brightness
/// factor, additive Gaussian noise, then clipping to [0, 1].
/// </summary>
public sealed class BenignAugmentation
{
    private readonly BenignAugmentationOptions _options;

    public BenignAugmentation(BenignAugmentationOptions options)
    {
        ArgumentNullException.ThrowIfNull(options);
        options.Validate();
        _options = options;
    }

    public float[] Apply(float[] image, ImageShape shape, Random random)
    {
        ArgumentNullException.ThrowIfNull(image);
        ArgumentNullException.ThrowIfNull(random);
        var dy = random.Next(-_options.MaxShift, _options.MaxShift + 1);
        var dx = random.Next(-_options.MaxShift, _options.MaxShift + 1);
        var brightness = _options.MinBrightness + (random.NextDouble() * (_options.MaxBrightness - _options.MinBrightness));
        var result = new float[image.Length];
        for (var c = 0; c < shape.Channels; c++)
        {
            for (var h = 0; h < shape.Height; h++)
            {
                for (var w = 0; w < shape.Width; w++)
                {
                    int sh = h - dy, sw = w - dx;
                    var source = sh >= 0 && sh < shape.Height && sw >= 0 && sw < shape.Width ? image[shape.Index(c, sh, sw)] : 0f;
                    var noise = _options.NoiseSigma * VectorMath.NextGaussian(random);
                    result[shape.Index(c, h, w)] = VectorMath.Clip01((source * brightness) + noise);
                }
            }
        }

        return result;
    }
}
