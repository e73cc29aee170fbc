using Guard.Guards.Smoothing;

namespace Guard.Guards.Tests.Smoothing;

public sealed class SmoothingOptionsTests
{
    [Fact]
    public void The_defaults_are_the_papers_with_adaptive_sampling_on()
    {
        var options = new SmoothingOptions();
        options.Validate();
        Assert.Equal(100, options.N0);
        Assert.Equal(10_000, options.N);
        Assert.Equal(0.001, options.Alpha);
        Assert.Equal(0, options.MinRadius);
        Assert.Equal(1_000, options.BatchSize);
        Assert.True(options.Adaptive);
        Assert.Null(options.Seed);
    }

    [Theory]
    [InlineData(10_000, 1_000, 10)]
    [InlineData(10_000, 3_000, 4)]
    [InlineData(100, 1_000, 1)]
    [InlineData(int.MaxValue, 1, int.MaxValue)]
    public void The_looks_are_the_batches_needed_for_N(int n, int batchSize, int looks) =>
        Assert.Equal(looks, new SmoothingOptions { N = n, BatchSize = batchSize }.MaxLooks);

    public static TheoryData<string, SmoothingOptions> BadOptions() => new()
    {
        { "Sigma", new() { Sigma = 0 } },
        { "Sigma", new() { Sigma = -0.25 } },
        { "Sigma", new() { Sigma = double.NaN } },
        { "Sigma", new() { Sigma = double.PositiveInfinity } },
        { "N0", new() { N0 = 0 } },
        { "N", new() { N = 0 } },
        { "Alpha", new() { Alpha = 0 } },
        { "Alpha", new() { Alpha = 1 } },
        { "Alpha", new() { Alpha = double.NaN } },
        { "MinRadius", new() { MinRadius = -0.1 } },
        { "MinRadius", new() { MinRadius = double.NaN } },
        { "BatchSize", new() { BatchSize = 0 } },
    };

    [Theory]
    [MemberData(nameof(BadOptions))]
    public void A_bad_parameter_is_named(string parameter, SmoothingOptions options) =>
        Assert.Equal(parameter, Assert.Throws<ArgumentException>(options.Validate).ParamName);

    [Fact]
    public void The_classifier_refuses_bad_options() =>
        Assert.Equal("Alpha", Assert.Throws<ArgumentException>(() => new SmoothedClassifier(new ConstantClassifier(0), new SmoothingOptions { Alpha = 2 })).ParamName);
}
