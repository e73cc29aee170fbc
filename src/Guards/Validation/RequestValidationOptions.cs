namespace Guard.Guards.Validation;

/// <summary>Limits and value rules enforced by <see cref="RequestValidationGuard"/>.</summary>
public sealed record RequestValidationOptions
{
    /// <summary>Most inputs a request may carry.</summary>
    public int MaxInputs { get; init; } = 64;

    /// <summary>Most dimensions an input shape may have.</summary>
    public int MaxRank { get; init; } = 8;

    /// <summary>Most elements one input tensor may have.</summary>
    public long MaxElementsPerTensor { get; init; } = 1L << 28;

    /// <summary>Most bytes of tensor data (raw or typed) a request may carry in all.</summary>
    public long MaxTotalBytes { get; init; } = 256L * 1024 * 1024;

    /// <summary>Reject NaN and ±Infinity in FP16, BF16, FP32 and FP64 inputs.</summary>
    public bool RejectNonFinite { get; init; }

    /// <summary>Smallest value allowed in floating-point inputs; null for no lower bound.</summary>
    public double? MinValue { get; init; }

    /// <summary>Largest value allowed in floating-point inputs; null for no upper bound.</summary>
    public double? MaxValue { get; init; }

    /// <summary>When the model's signature is known, reject inputs it does not declare.</summary>
    public bool RequireKnownInputs { get; init; } = true;

    /// <summary>Describes each setting that makes no sense; empty when the options are usable.</summary>
    public IEnumerable<string> Validate()
    {
        if (MaxInputs < 1)
        {
            yield return $"MaxInputs must be at least 1 (is {MaxInputs})";
        }

        if (MaxRank < 1)
        {
            yield return $"MaxRank must be at least 1 (is {MaxRank})";
        }

        if (MaxElementsPerTensor < 1)
        {
            yield return $"MaxElementsPerTensor must be at least 1 (is {MaxElementsPerTensor})";
        }

        if (MaxTotalBytes < 1)
        {
            yield return $"MaxTotalBytes must be at least 1 (is {MaxTotalBytes})";
        }

        if (MinValue is double min && double.IsNaN(min))
        {
            yield return "MinValue must be a number, not NaN";
        }

        if (MaxValue is double max && double.IsNaN(max))
        {
            yield return "MaxValue must be a number, not NaN";
        }

        if (MinValue > MaxValue)
        {
            yield return $"MinValue ({MinValue}) must not be greater than MaxValue ({MaxValue})";
        }
    }
}
