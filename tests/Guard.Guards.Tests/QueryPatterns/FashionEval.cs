using Guard.TestSupport;

namespace Guard.Guards.Tests.QueryPatterns;

/// <summary>The evaluation set as one array per image, once per test class that asks.</summary>
public sealed class FashionEval
{
    /// <summary>The 1,000 images, 784 floats in [0, 1] each (copies: tests may perturb them).</summary>
    public IReadOnlyList<float[]> Images { get; } = [.. Enumerable.Range(0, DemoSet.Count).Select(DemoSet.Image)];
}
