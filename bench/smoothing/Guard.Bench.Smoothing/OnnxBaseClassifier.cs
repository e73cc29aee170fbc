using System.Runtime.InteropServices;
using Guard.Guards.Smoothing;
using Guard.OnnxRuntime;

namespace Guard.Bench.Smoothing;

/// <summary>The demo CNN as the base classifier f: one ORT Run per batch, argmax of the logits per row.</summary>
internal sealed class OnnxBaseClassifier(OrtLibrary library, InferenceSession session, string inputName, string outputName, int classes) : IBaseClassifier
{
    public const int Pixels = 28 * 28;

    private readonly string[] _inputNames = [inputName];
    private readonly string[] _outputNames = [outputName];

    public int Classes => classes;

    public ValueTask<int[]> ClassifyAsync(ReadOnlyMemory<float> batch, int rows, CancellationToken cancellationToken)
    {
        // ORT only reads the input; the tensor wraps the caller's memory without a copy.
        var data = MemoryMarshal.AsMemory(batch);
        if (batch.Length != rows * Pixels)
        {
            throw new ArgumentException($"{batch.Length} floats are not {rows} images of 28×28.", nameof(batch));
        }
        using var tensor = OrtTensor.Create(library, data, [rows, 1L, 28, 28]);
        using var outputs = session.Run(_inputNames, [tensor], _outputNames);
        var logits = outputs[0].GetData<float>();
        var labels = new int[rows];
        for (var r = 0; r < rows; r++)
        {
            labels[r] = ArgMax(logits.Slice(r * classes, classes));
        }
        return ValueTask.FromResult(labels);
    }

    private static int ArgMax(ReadOnlySpan<float> values)
    {
        var best = 0;
        for (var i = 1; i < values.Length; i++)
        {
            if (values[i] > values[best])
            {
                best = i;
            }
        }
        return best;
    }
}
