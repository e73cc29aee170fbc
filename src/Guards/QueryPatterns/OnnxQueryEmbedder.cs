using Guard.OnnxRuntime;

namespace Guard.Guards.QueryPatterns;

/// <summary>
/// Embeds a query with an ONNX encoder on ONNX Runtime: for the k-NN stage, a learned space where near-duplicate
/// queries sit close and unrelated ones far apart (Chen, Carlini, Wagner use a contrastively trained encoder; a
/// classifier's penultimate layer, e.g. models/encoders/fashion_cnn_features.onnx, is the cheap version). The encoder
/// takes one FP32 input with a batch first dimension and gives one FP32 output <c>[batch, D]</c>; each query row is
/// run on its own, synchronously (compute, like the other embedders, not I/O). Thread-safe: ONNX Runtime allows
/// concurrent Runs on one session.
/// </summary>
public sealed class OnnxQueryEmbedder : IQueryEmbedder, IDisposable
{
    private readonly InferenceSession _session;
    private readonly OrtLibrary _library;
    private readonly string[] _inputNames;
    private readonly string[] _outputNames;
    private readonly long[] _inputShape;
    private readonly int _inputElements;
    private readonly int _size;

    /// <param name="output">The encoder output to use; null: its only output.</param>
    /// <exception cref="ArgumentException">The encoder does not have the shape described above.</exception>
    /// <exception cref="OnnxRuntimeException">ONNX Runtime cannot load the file.</exception>
    public OnnxQueryEmbedder(OrtEnvironment environment, string modelPath, string? output = null)
    {
        ArgumentNullException.ThrowIfNull(environment);
        ArgumentException.ThrowIfNullOrEmpty(modelPath);
        _library = environment.Library;
        _session = new InferenceSession(environment, modelPath);
        try
        {
            if (_session.InputMetadata is not [{ ElementType: TensorElementType.Float } input] || input.Rank < 2)
            {
                throw new ArgumentException($"The encoder {modelPath} must take one FP32 input of rank 2 or more with a batch first dimension.");
            }

            var outputs = _session.OutputMetadata.Where(o => output is null || o.Name == output).ToList();
            if (outputs is not [{ ElementType: TensorElementType.Float, Rank: 2 } features] || features.Dimensions[1] < 1)
            {
                throw new ArgumentException(output is null
                    ? $"The encoder {modelPath} must have one FP32 output [batch, D]; name the one to use."
                    : $"The encoder {modelPath} has no FP32 output '{output}' shaped [batch, D].");
            }

            _inputShape = [1, .. input.Dimensions.Skip(1)];
            if (_inputShape.Skip(1).Any(d => d < 1))
            {
                throw new ArgumentException($"The encoder {modelPath} must have fixed input dimensions after the batch.");
            }

            _inputElements = (int)_inputShape.Aggregate(1L, (a, d) => a * d);
            _inputNames = [input.Name];
            _outputNames = [features.Name];
            _size = (int)features.Dimensions[1];
        }
        catch
        {
            _session.Dispose();
            throw;
        }
    }

    /// <summary>The encoder's D for one query of its input size; 0 (cannot embed) for any other size.</summary>
    public int GetEmbeddingSize(ReadOnlySpan<long> shape, int elementCount) => elementCount == _inputElements ? _size : 0;

    public void Embed(ReadOnlySpan<float> input, ReadOnlySpan<long> shape, Span<float> destination)
    {
        if (input.Length != _inputElements || destination.Length != _size)
        {
            throw new ArgumentException($"The encoder embeds {_inputElements} values into {_size} (got {input.Length} into {destination.Length}).");
        }

        var data = input.ToArray();
        using var tensor = OrtTensor.Create(_library, data.AsMemory(), _inputShape);
        using var outputs = _session.Run(_inputNames, [tensor], _outputNames);
        outputs[0].GetData<float>()[.._size].CopyTo(destination);
    }

    public void Dispose() => _session.Dispose();
}
