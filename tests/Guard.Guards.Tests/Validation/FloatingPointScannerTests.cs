using Guard.Guards.Validation;

namespace Guard.Guards.Tests.Validation;

/// <summary>The vectorized scans agree with a plain loop, wherever the bad value lands.</summary>
public sealed class FloatingPointScannerTests
{
    private static readonly ValueBounds[] AllBounds =
    [
        new(rejectNonFinite: true, min: null, max: null),
        new(rejectNonFinite: false, min: -10, max: 10),
        new(rejectNonFinite: true, min: 0, max: null),
        new(rejectNonFinite: false, min: null, max: 0.5),
    ];

    private static readonly float[] Specials = [float.NaN, float.PositiveInfinity, float.NegativeInfinity, -11f, 11f, 0.75f, -0.25f, float.MaxValue];

    [Fact]
    public void Single_precision_scan_matches_the_scalar_definition()
    {
        var random = new Random(5);
        for (int trial = 0; trial < 4000; trial++)
        {
            var values = new float[random.Next(0, 80)];
            for (int i = 0; i < values.Length; i++)
            {
                values[i] = (float)(random.NextDouble() * 0.5);
            }

            for (int k = random.Next(0, 3); k > 0 && values.Length > 0; k--)
            {
                values[random.Next(values.Length)] = Specials[random.Next(Specials.Length)];
            }

            foreach (var bounds in AllBounds)
            {
                Assert.Equal(Array.FindIndex(values, v => bounds.IsViolation(v)), FloatingPointScanner.FindFirstViolation(values.AsSpan(), bounds));
                var doubles = Array.ConvertAll(values, v => (double)v);
                Assert.Equal(Array.FindIndex(doubles, v => bounds.IsViolation(v)), FloatingPointScanner.FindFirstViolation(doubles.AsSpan(), bounds));
            }
        }
    }

    [Fact]
    public void Bounds_in_single_precision_accept_exactly_what_double_precision_accepts()
    {
        var random = new Random(11);
        for (int trial = 0; trial < 2000; trial++)
        {
            double min = (random.NextDouble() - 0.5) * 10;
            double max = min + (random.NextDouble() * 10);
            var bounds = new ValueBounds(rejectNonFinite: false, min, max);
            float x = (float)((random.NextDouble() - 0.5) * 25);
            foreach (float candidate in new[] { x, (float)min, MathF.BitIncrement((float)min), MathF.BitDecrement((float)min), (float)max, MathF.BitIncrement((float)max), MathF.BitDecrement((float)max) })
            {
                Assert.Equal(bounds.IsViolation((double)candidate), bounds.IsViolation(candidate));
            }
        }
    }
}
