using Guard.RedTeam.Attacks;
using Guard.RedTeam.Data;
using Guard.RedTeam.Targets;

namespace Guard.RedTeam.Benign;

/// <summary>
/// A benign client: sends the evaluation set in order, each image once with a random benign augmentation, from one
/// identity, one query at a time, and counts the refusals — the guard's false-positive rate.
/// </summary>
public sealed class BenignReplay
{
    private readonly BenignAugmentation _augmentation;

    public BenignReplay(BenignAugmentationOptions options)
    {
        _augmentation = new BenignAugmentation(options);
    }

    /// <param name="limit">Images to send (the first ones); null: all.</param>
    /// <param name="progress">Called after each query with the number sent so far.</param>
    public async Task<BenignReplayResult> RunAsync(
        IBlackBoxTarget target, ImageSet images, int? limit, int seed, Action<int>? progress, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(target);
        ArgumentNullException.ThrowIfNull(images);
        var count = Math.Min(limit ?? images.Count, images.Count);
        var random = new Random(seed);
        var refused = 0;
        var codes = new SortedDictionary<string, int>(StringComparer.Ordinal);
        for (var i = 0; i < count; i++)
        {
            var image = _augmentation.Apply(images.Image(i), images.Shape, random);
            var result = await target.QueryAsync(image, cancellationToken);
            if (result.Refusal is { } refusal)
            {
                refused++;
                var code = refusal.Code.ToString();
                codes[code] = codes.GetValueOrDefault(code) + 1;
            }

            progress?.Invoke(i + 1);
        }

        return new BenignReplayResult(count, refused, codes);
    }
}
