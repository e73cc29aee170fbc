using Guard.Guards.Smoothing;

namespace Guard.Guards.Tests.Smoothing;

/// <summary>
/// Class 0 when the first coordinate of the noisy input is at most <c>threshold</c>, else class 1 (or, with three
/// classes, 1 or 2 by the sign of the second coordinate). On the input 0 under N(0, σ²) noise,
/// P(class 0) = Φ(threshold / σ) exactly: a base classifier with a known p_A that exercises the noise itself.
/// </summary>
internal sealed class ThresholdClassifier(float threshold, int classes = 2) : IBaseClassifier
{
    public int Classes => classes;

    public ValueTask<int[]> ClassifyAsync(ReadOnlyMemory<float> batch, int rows, CancellationToken cancellationToken)
    {
        var span = batch.Span;
        var width = span.Length / rows;
        var labels = new int[rows];
        for (var r = 0; r < rows; r++)
        {
            var row = span.Slice(r * width, width);
            labels[r] = row[0] <= threshold ? 0 : classes == 2 || row[1] <= 0 ? 1 : 2;
        }
        return ValueTask.FromResult(labels);
    }
}

/// <summary>Ignores its input and draws each answer from fixed class probabilities with its own seeded generator.</summary>
internal sealed class FixedProbabilityClassifier(int seed, params double[] probabilities) : IBaseClassifier
{
    private readonly Random _random = new(seed);

    public int Classes => probabilities.Length;

    public ValueTask<int[]> ClassifyAsync(ReadOnlyMemory<float> batch, int rows, CancellationToken cancellationToken)
    {
        var labels = new int[rows];
        for (var r = 0; r < rows; r++)
        {
            var u = _random.NextDouble();
            var label = 0;
            while (label < probabilities.Length - 1 && u >= probabilities[label])
            {
                u -= probabilities[label];
                label++;
            }
            labels[r] = label;
        }
        return ValueTask.FromResult(labels);
    }
}

/// <summary>Passes calls through and records each batch's row count and labels.</summary>
internal sealed class RecordingClassifier(IBaseClassifier inner) : IBaseClassifier
{
    public int Classes => inner.Classes;

    public List<int[]> Batches { get; } = [];

    public async ValueTask<int[]> ClassifyAsync(ReadOnlyMemory<float> batch, int rows, CancellationToken cancellationToken)
    {
        var labels = await inner.ClassifyAsync(batch, rows, cancellationToken);
        Batches.Add(labels);
        return labels;
    }
}

/// <summary>Returns the given label for every row.</summary>
internal sealed class ConstantClassifier(int label, int classes = 3) : IBaseClassifier
{
    public int Classes => classes;

    public ValueTask<int[]> ClassifyAsync(ReadOnlyMemory<float> batch, int rows, CancellationToken cancellationToken) =>
        ValueTask.FromResult(Enumerable.Repeat(label, rows).ToArray());
}
