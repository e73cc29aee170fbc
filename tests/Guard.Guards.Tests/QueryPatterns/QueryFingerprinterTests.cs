using System.Security.Cryptography;
using System.Text;
using Guard.Guards.QueryPatterns;

namespace Guard.Guards.Tests.QueryPatterns;

/// <summary>The fingerprint is deterministic per key, robust to attack-sized perturbations, specific across benign images,
/// and exactly the top-S distinct window hashes.</summary>
public sealed class QueryFingerprinterTests(FashionEval eval) : IClassFixture<FashionEval>
{
    private static readonly FingerprintOptions Defaults = new() { Secret = "test-secret" };

    private static int Shared(ulong[] a, ulong[] b) => a.Intersect(b).Count();

    [Fact]
    public void Same_key_gives_the_same_fingerprint_across_calls_and_instances()
    {
        var image = eval.Images[0];
        var first = new QueryFingerprinter(Defaults).Compute(image);
        var again = new QueryFingerprinter(Defaults with { }).Compute(image);
        Assert.Equal(50, first.Length);
        Assert.Equal(first, again);
        Assert.Equal(first, new QueryFingerprinter(Defaults).Compute(image.AsSpan()));
    }

    [Fact]
    public void Fingerprint_is_distinct_hashes_largest_first()
    {
        var fingerprint = new QueryFingerprinter(Defaults).Compute(eval.Images[3]);
        Assert.Equal(fingerprint.Distinct().Count(), fingerprint.Length);
        Assert.Equal(fingerprint.OrderDescending(), fingerprint);
    }

    [Fact]
    public void A_different_key_gives_unrelated_hashes()
    {
        var image = eval.Images[1];
        var a = new QueryFingerprinter(Defaults).Compute(image);
        var b = new QueryFingerprinter(Defaults with { Secret = "another-secret" }).Compute(image);
        Assert.True(Shared(a, b) <= 1, $"shared {Shared(a, b)}");
    }

    [Fact]
    public void A_slightly_perturbed_copy_shares_most_hashes()
    {
        var fingerprinter = new QueryFingerprinter(Defaults);
        var random = new Random(1);
        int worst = int.MaxValue;
        for (int i = 0; i < 50; i++)
        {
            var image = eval.Images[i];
            var perturbed = (float[])image.Clone();
            for (int k = 0; k < 10; k++)
            {
                int p = random.Next(perturbed.Length);
                perturbed[p] = Math.Clamp(perturbed[p] + (random.Next(2) == 0 ? -1f : 1f) / 255f, 0f, 1f);
            }

            worst = Math.Min(worst, Shared(fingerprinter.Compute(image), fingerprinter.Compute(perturbed)));
        }

        Assert.True(worst >= 35, $"worst perturbed copy shared only {worst} of 50 hashes");
    }

    [Fact]
    public void Distinct_benign_images_rarely_match()
    {
        var fingerprinter = new QueryFingerprinter(Defaults);
        var matcher = new FingerprintMatcher(capacity: 2000, Defaults.Threshold);
        int flagged = 0, total = 0;
        foreach (var image in eval.Images)
        {
            var match = matcher.MatchAndAdd(fingerprinter.Compute(image));
            flagged += match.Flagged ? 1 : 0;
            total += match.SharedHashes;
        }

        Assert.True(flagged <= 1, $"{flagged} of 1000 benign images flagged (target ≤ 0.1%)");
        Assert.True(total / 1000.0 < 5, $"benign images share {total / 1000.0:F1} hashes with their best match on average");
    }

    [Fact]
    public void Without_the_mitigation_flat_backgrounds_make_benign_images_match()
    {
        // Documents why SkipUninformativeWindows exists: the paper's parameters flag a sizeable share of Fashion-MNIST.
        var options = Defaults with { Window = 20, SkipUninformativeWindows = false };
        var fingerprinter = new QueryFingerprinter(options);
        var matcher = new FingerprintMatcher(capacity: 2000, options.Threshold);
        int flagged = eval.Images.Count(image => matcher.MatchAndAdd(fingerprinter.Compute(image)).Flagged);
        Assert.True(flagged >= 50, $"only {flagged} flagged without the mitigation");
    }

    [Fact]
    public void Top_S_equals_a_naive_unsalted_implementation()
    {
        // Independent re-implementation: floor(x·255/step), SipHash-2-4 keyed with SHA-256(secret)[0..16] over each
        // window's level bytes, distinct, largest S.
        foreach (bool skip in new[] { false, true })
        {
            var options = Defaults with { SaltQuantization = false, SkipUninformativeWindows = skip, Window = 20, TopS = 30, Threshold = 10 };
            var fingerprinter = new QueryFingerprinter(options);
            var hash = new SipHash(SHA256.HashData(Encoding.UTF8.GetBytes(options.Secret)).AsSpan(0, 16));
            foreach (var image in eval.Images.Take(20))
            {
                var levels = image.Select(x => (byte)(int)(Math.Clamp(x * 255f, 0f, 255f) * (1f / 50f))).ToArray();
                var all = new List<ulong>();
                for (int s = 0; s + options.Window <= levels.Length; s++)
                {
                    var window = levels.AsSpan(s, options.Window);
                    if (skip && window.IndexOfAnyExcept(window[0]) < 0)
                    {
                        continue;
                    }

                    all.Add(hash.Hash(window));
                }

                var expected = all.Distinct().OrderDescending().Take(options.TopS).ToArray();
                Assert.Equal(expected, fingerprinter.Compute(image));
            }
        }
    }

    [Fact]
    public void Selector_keeps_exactly_the_largest_distinct_values()
    {
        var random = new Random(9);
        for (int trial = 0; trial < 500; trial++)
        {
            int size = random.Next(1, 40);
            var values = Enumerable.Range(0, random.Next(0, 300)).Select(_ => (ulong)random.Next(0, 60)).ToArray();
            var buffer = new ulong[size];
            var selector = new TopSelector(buffer);
            foreach (var v in values)
            {
                selector.Offer(v);
            }

            int count = selector.SortDescending();
            Assert.Equal(values.Distinct().OrderDescending().Take(size), buffer[..count]);
        }
    }

    [Fact]
    public void Stride_keeps_only_windows_starting_on_the_stride()
    {
        var options = Defaults with { SaltQuantization = false, SkipUninformativeWindows = false, Window = 20, Stride = 7, TopS = 200, Threshold = 10 };
        var hash = new SipHash(SHA256.HashData(Encoding.UTF8.GetBytes(options.Secret)).AsSpan(0, 16));
        var image = eval.Images[5];
        var levels = image.Select(x => (byte)(int)(Math.Clamp(x * 255f, 0f, 255f) * (1f / 50f))).ToArray();
        var expected = Enumerable.Range(0, ((levels.Length - 20) / 7) + 1)
            .Select(k => hash.Hash(levels.AsSpan(k * 7, 20))).Distinct().OrderDescending().Take(200).ToArray();
        Assert.Equal(expected, new QueryFingerprinter(options).Compute(image));
    }

    [Fact]
    public void Half_and_byte_inputs_fingerprint_like_the_float_input()
    {
        var fingerprinter = new QueryFingerprinter(Defaults);
        var image = eval.Images[7];
        var reference = fingerprinter.Compute(image);
        var bytes = image.Select(x => (byte)MathF.Round(x * 255f)).ToArray();
        var halves = image.Select(x => (Half)x).ToArray();
        Assert.True(Shared(reference, fingerprinter.Compute(bytes)) >= 40);
        Assert.True(Shared(reference, fingerprinter.Compute(halves)) >= 40);
    }

    [Fact]
    public void Span_destination_overload_matches_and_checks_its_size()
    {
        var fingerprinter = new QueryFingerprinter(Defaults);
        var destination = new ulong[64];
        int count = fingerprinter.Compute(eval.Images[2], destination);
        Assert.Equal(fingerprinter.Compute(eval.Images[2]), destination[..count]);
        Assert.Throws<ArgumentException>(() => fingerprinter.Compute(eval.Images[2], new ulong[49]));
    }

    [Fact]
    public void Malformed_inputs_are_rejected_with_a_clear_message()
    {
        var fingerprinter = new QueryFingerprinter(Defaults);
        Assert.Contains("fewer than one window", Assert.Throws<ArgumentException>(() => fingerprinter.Compute(ReadOnlySpan<float>.Empty)).Message, StringComparison.Ordinal);
        Assert.Throws<ArgumentException>(() => fingerprinter.Compute(new float[49]));
        Assert.Throws<ArgumentException>(() => fingerprinter.Compute(new byte[10]));
        foreach (float bad in new[] { float.NaN, float.PositiveInfinity, float.NegativeInfinity })
        {
            var image = (float[])eval.Images[0].Clone();
            image[123] = bad;
            var error = Assert.Throws<ArgumentException>(() => fingerprinter.Compute(image));
            Assert.Contains("element 123", error.Message, StringComparison.Ordinal);
        }
    }

    [Fact]
    public void Blank_input_has_an_empty_fingerprint_and_out_of_range_values_are_clamped()
    {
        var fingerprinter = new QueryFingerprinter(Defaults);
        Assert.Empty(fingerprinter.Compute(new float[784]));
        Assert.Empty(fingerprinter.Compute(Enumerable.Repeat(1f, 784).ToArray()));
        var image = eval.Images[4];
        var stretched = image.Select(x => x == 0f ? -3f : x == 1f ? 7f : x).ToArray();
        Assert.Equal(fingerprinter.Compute(image), fingerprinter.Compute(stretched));
    }

    [Fact]
    public void Exactly_one_window_is_enough()
    {
        var options = Defaults with { Window = 4, TopS = 5, Threshold = 1 };
        Assert.Single(new QueryFingerprinter(options).Compute([0f, 0.5f, 1f, 0.25f]));
    }

    [Fact]
    public void Concurrent_callers_get_the_same_results_as_one_caller()
    {
        var fingerprinter = new QueryFingerprinter(Defaults);
        var inputs = Enumerable.Range(0, 64).Select(i => Enumerable.Range(0, 784 + (i * 997)).Select(k => eval.Images[i][k % 784]).ToArray()).ToArray();
        var parallel = new ulong[inputs.Length][];
        Parallel.For(0, inputs.Length, i => parallel[i] = fingerprinter.Compute(inputs[i]));
        var fresh = new QueryFingerprinter(Defaults);
        for (int i = inputs.Length - 1; i >= 0; i--)
        {
            Assert.Equal(fresh.Compute(inputs[i]), parallel[i]);
        }
    }

    [Theory]
    [InlineData(0, 1, 50f, 50, 25)]
    [InlineData(50, 0, 50f, 50, 25)]
    [InlineData(50, 1, 0f, 50, 25)]
    [InlineData(50, 1, 0.5f, 50, 25)]
    [InlineData(50, 1, float.NaN, 50, 25)]
    [InlineData(50, 1, 50f, 0, 1)]
    [InlineData(50, 1, 50f, 50, 51)]
    [InlineData(50, 1, 50f, 50, 0)]
    public void Invalid_options_are_rejected(int window, int stride, float step, int topS, int threshold) =>
        Assert.Throws<ArgumentException>(() => new QueryFingerprinter(Defaults with { Window = window, Stride = stride, QuantizationStep = step, TopS = topS, Threshold = threshold }));

    [Fact]
    public void A_secret_is_required() =>
        Assert.Throws<ArgumentException>(() => new QueryFingerprinter(new FingerprintOptions()));
}
