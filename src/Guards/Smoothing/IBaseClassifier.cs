namespace Guard.Guards.Smoothing;

/// <summary>
/// The base classifier f of randomized smoothing (Cohen, Rosenfeld, Kolter, "Certified Adversarial Robustness via
/// Randomized Smoothing", ICML 2019): a hard top-1 decision per input. The smoothed classifier g only ever sees these
/// decisions, so any model (the embedded ONNX model, an upstream) can be adapted to it.
/// </summary>
public interface IBaseClassifier
{
    /// <summary>Number of classes; every label returned lies in [0, Classes).</summary>
    int Classes { get; }

    /// <summary>
    /// Classifies <paramref name="rows"/> inputs laid out row-major in <paramref name="batch"/> (each row
    /// <c>batch.Length / rows</c> floats) and returns the top-1 class of each row. The memory is only valid until the
    /// returned task completes.
    /// </summary>
    ValueTask<int[]> ClassifyAsync(ReadOnlyMemory<float> batch, int rows, CancellationToken cancellationToken);
}
