using Guard.RedTeam.Attacks;
using Guard.RedTeam.Benign;
using Guard.RedTeam.Data;
using Guard.RedTeam.Targets;
using Guard.Rpc;
using Guard.TestSupport;

namespace Guard.RedTeam.Tests.Benign;

/// <summary>The benign replay: every image once, augmented benignly, in order, and its refusals counted.</summary>
public sealed class BenignReplayTests
{
    [Fact]
    public async Task Refused_queries_over_all_queries_is_the_false_positive_rate()
    {
        var images = Synthetic(40);
        var sent = new List<float[]>();
        var target = new ModelFunctionTarget((image, _) =>
        {
            sent.Add(image.ToArray());
            return ValueTask.FromResult(sent.Count % 4 == 0
                ? QueryResult.Refused(StatusCode.ResourceExhausted, "suspicious")
                : QueryResult.FromOutput([1f, 0f]));
        });

        var progress = new List<int>();
        var result = await new BenignReplay(new BenignAugmentationOptions()).RunAsync(target, images, limit: null, seed: 1, progress.Add, CancellationToken.None);

        Assert.Equal(40, result.Queries);
        Assert.Equal(10, result.Refused);
        Assert.Equal(0.25, result.FalsePositiveRate);
        Assert.Equal(10, result.RefusalCodes["ResourceExhausted"]);
        Assert.Equal(Enumerable.Range(1, 40), progress);
        Assert.Equal(40, sent.Count);
        Assert.All(sent, image => Assert.All(image, v => Assert.InRange(v, 0f, 1f)));
    }

    [Fact]
    public async Task The_limit_sends_the_first_images_only()
    {
        var count = 0;
        var target = new ModelFunctionTarget((_, _) => { count++; return ValueTask.FromResult(QueryResult.FromOutput([1f, 0f])); });
        var result = await new BenignReplay(new BenignAugmentationOptions()).RunAsync(target, Synthetic(40), limit: 7, seed: 1, null, CancellationToken.None);
        Assert.Equal(7, result.Queries);
        Assert.Equal(7, count);
        Assert.Equal(0, result.FalsePositiveRate);
    }

    [Fact]
    public void Augmentation_is_a_small_benign_change()
    {
        var augmentation = new BenignAugmentation(new BenignAugmentationOptions());
        var image = DemoSet.Image(0);
        var random = new Random(5);
        for (var i = 0; i < 20; i++)
        {
            var augmented = augmentation.Apply(image, ImageShape.FashionMnist, random);
            Assert.All(augmented, v => Assert.InRange(v, 0f, 1f));
            Assert.NotEqual(image, augmented);

            // Mean brightness stays within the ×[0.8, 1.2] band (plus noise and what a 2-pixel shift drops).
            Assert.InRange(augmented.Average(), image.Average() * 0.6, (image.Average() * 1.25) + 0.02);
        }
    }

    [Fact]
    public void Without_shift_brightness_or_noise_the_image_is_unchanged()
    {
        var augmentation = new BenignAugmentation(new BenignAugmentationOptions { MaxShift = 0, MinBrightness = 1, MaxBrightness = 1, NoiseSigma = 0 });
        var image = DemoSet.Image(3);
        Assert.Equal(image, augmentation.Apply(image, ImageShape.FashionMnist, new Random(1)));
    }

    [Fact]
    public void A_shift_moves_the_image()
    {
        var augmentation = new BenignAugmentation(new BenignAugmentationOptions { MaxShift = 2, MinBrightness = 1, MaxBrightness = 1, NoiseSigma = 0 });
        var image = new float[784];
        image[(14 * 28) + 14] = 1f;
        var random = new Random(2);
        for (var i = 0; i < 10; i++)
        {
            var moved = augmentation.Apply(image, ImageShape.FashionMnist, random);
            var at = Array.IndexOf(moved, 1f);
            Assert.InRange(Math.Abs((at / 28) - 14), 0, 2);
            Assert.InRange(Math.Abs((at % 28) - 14), 0, 2);
        }
    }

    [Fact]
    public void Bad_augmentation_options_are_rejected()
    {
        Assert.Throws<ArgumentException>(() => new BenignAugmentation(new BenignAugmentationOptions { MaxShift = -1 }));
        Assert.Throws<ArgumentException>(() => new BenignAugmentation(new BenignAugmentationOptions { MinBrightness = 1.3, MaxBrightness = 1.2 }));
        Assert.Throws<ArgumentException>(() => new BenignAugmentation(new BenignAugmentationOptions { NoiseSigma = -0.1 }));
    }

    private static ImageSet Synthetic(int count) =>
        new(Enumerable.Range(0, count * 784).Select(i => (i % 97) / 97f).ToArray(), null, ImageShape.FashionMnist);
}
