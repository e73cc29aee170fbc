using Guard.Guards.QueryPatterns;

namespace Guard.Guards.Tests.QueryPatterns;

public sealed class KnnOptionsTests
{
    [Fact]
    public void The_defaults_are_valid() => new StatefulKnnOptions().Validate();

    public static TheoryData<string, StatefulKnnOptions> BadOptions() => new()
    {
        { "EmbeddingGrid", new() { EmbeddingGrid = 0 } },
        { "EmbeddingGrid", new() { EmbeddingGrid = 65 } },
        { "EmbeddingMin", new() { EmbeddingMin = float.NaN } },
        { "EmbeddingMax", new() { EmbeddingMax = 0 } },
        { "EmbeddingMax", new() { EmbeddingMax = float.PositiveInfinity } },
        { "HistoryCapacity", new() { HistoryCapacity = 0 } },
        { "K", new() { K = 0 } },
        { "K", new() { K = 600, HistoryCapacity = 500 } },
        { "MinNeighbours", new() { MinNeighbours = 0 } },
        { "MinNeighbours", new() { MinNeighbours = 11, K = 10 } },
        { "HistoryLifetime", new() { HistoryLifetime = TimeSpan.Zero } },
        { "Threshold", new() { Threshold = 0 } },
        { "Threshold", new() { Threshold = double.NaN } },
        { "Action", new() { Action = null! } },
    };

    [Theory]
    [MemberData(nameof(BadOptions))]
    public void A_bad_parameter_is_named(string parameter, StatefulKnnOptions options) =>
        Assert.Equal(parameter, Assert.Throws<ArgumentException>(options.Validate).ParamName);
}
