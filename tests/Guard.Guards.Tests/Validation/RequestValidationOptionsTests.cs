using Guard.Guards.Validation;

namespace Guard.Guards.Tests.Validation;

public sealed class RequestValidationOptionsTests
{
    [Fact]
    public void Defaults_are_sensible_and_valid()
    {
        var options = new RequestValidationOptions();

        Assert.Equal(64, options.MaxInputs);
        Assert.Equal(8, options.MaxRank);
        Assert.Equal(1L << 28, options.MaxElementsPerTensor);
        Assert.Equal(256L * 1024 * 1024, options.MaxTotalBytes);
        Assert.False(options.RejectNonFinite);
        Assert.Null(options.MinValue);
        Assert.Null(options.MaxValue);
        Assert.True(options.RequireKnownInputs);
        Assert.Empty(options.Validate());
    }

    [Fact]
    public void Nonsense_settings_are_each_reported()
    {
        var options = new RequestValidationOptions
        {
            MaxInputs = 0,
            MaxRank = 0,
            MaxElementsPerTensor = -1,
            MaxTotalBytes = 0,
            MinValue = 2,
            MaxValue = 1,
        };

        Assert.Equal(
            [
                "MaxInputs must be at least 1 (is 0)",
                "MaxRank must be at least 1 (is 0)",
                "MaxElementsPerTensor must be at least 1 (is -1)",
                "MaxTotalBytes must be at least 1 (is 0)",
                "MinValue (2) must not be greater than MaxValue (1)",
            ],
            options.Validate());
    }

    [Fact]
    public void NaN_bounds_are_reported()
    {
        Assert.Equal(
            ["MinValue must be a number, not NaN", "MaxValue must be a number, not NaN"],
            new RequestValidationOptions { MinValue = double.NaN, MaxValue = double.NaN }.Validate());
    }

    [Fact]
    public void The_guard_refuses_invalid_options()
    {
        var error = Assert.Throws<ArgumentException>(() => new RequestValidationGuard(new RequestValidationOptions { MaxRank = 0 }));

        Assert.Contains("MaxRank must be at least 1", error.Message, StringComparison.Ordinal);
        Assert.Equal("validation", new RequestValidationGuard(new RequestValidationOptions()).Name);
    }
}
