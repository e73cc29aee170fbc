using System.Globalization;

namespace Guard.Guards.Validation;

/// <summary>
/// The value rules for floating-point inputs, with the bounds precomputed for each precision so that
/// scans compare in the tensor's own type.
/// </summary>
internal readonly struct ValueBounds
{
    public ValueBounds(bool rejectNonFinite, double? min, double? max)
    {
        RejectNonFinite = rejectNonFinite;
        Min = min;
        Max = max;
        HasRange = min.HasValue || max.HasValue;
        MinDouble = min ?? double.NegativeInfinity;
        MaxDouble = max ?? double.PositiveInfinity;

        // The smallest float >= min and the largest float <= max, so that comparing in float
        // accepts exactly the values that comparing in double would.
        float minSingle = (float)MinDouble;
        if (minSingle < MinDouble)
        {
            minSingle = MathF.BitIncrement(minSingle);
        }

        float maxSingle = (float)MaxDouble;
        if (maxSingle > MaxDouble)
        {
            maxSingle = MathF.BitDecrement(maxSingle);
        }

        MinSingle = minSingle;
        MaxSingle = maxSingle;
    }

    public bool RejectNonFinite { get; }

    public bool HasRange { get; }

    public double? Min { get; }

    public double? Max { get; }

    public double MinDouble { get; }

    public double MaxDouble { get; }

    public float MinSingle { get; }

    public float MaxSingle { get; }

    public bool IsEnabled => RejectNonFinite || HasRange;

    // NaN fails every comparison, so with a range set it is out of range.
    public bool IsViolation(float value) =>
        (RejectNonFinite && !float.IsFinite(value)) || (HasRange && !(value >= MinSingle && value <= MaxSingle));

    public bool IsViolation(double value) =>
        (RejectNonFinite && !double.IsFinite(value)) || (HasRange && !(value >= MinDouble && value <= MaxDouble));

    /// <summary>The block message for element <paramref name="index"/> of <paramref name="input"/>, which violates these bounds.</summary>
    public string Describe(string input, long index, double value)
    {
        var culture = CultureInfo.InvariantCulture;
        if (RejectNonFinite && !double.IsFinite(value))
        {
            return string.Create(culture, $"input '{input}': element {index} is not finite ({value})");
        }

        if (double.IsNaN(value))
        {
            return string.Create(culture, $"input '{input}': element {index} is NaN, outside the allowed range");
        }

        return value < MinDouble
            ? string.Create(culture, $"input '{input}': element {index} ({value}) is below the minimum {MinDouble}")
            : string.Create(culture, $"input '{input}': element {index} ({value}) is above the maximum {MaxDouble}");
    }
}
