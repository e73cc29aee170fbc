namespace Guard.Guards.QueryPatterns;

/// <summary>
/// Maps one query's input to a short fixed-size vector in which near-duplicate queries lie close together: the feature
/// space of stateful k-NN detection. <see cref="DownsampleEmbedder"/> is the built-in one; an encoder network (the
/// paper's similarity encoder, e.g. run with ONNX Runtime from another assembly) implements the same interface.
/// </summary>
/// <remarks>Implementations must be thread-safe: one instance serves every request of a policy.</remarks>
public interface IQueryEmbedder
{
    /// <summary>The embedding's length for an input of <paramref name="shape"/> holding <paramref name="elementCount"/>
    /// values, or 0 when this embedder cannot embed such an input (the query is then not judged).</summary>
    int GetEmbeddingSize(ReadOnlySpan<long> shape, int elementCount);

    /// <summary>Writes the embedding of <paramref name="input"/> (finite values, row-major) into
    /// <paramref name="destination"/>, whose length is <see cref="GetEmbeddingSize"/> of the same shape.</summary>
    void Embed(ReadOnlySpan<float> input, ReadOnlySpan<long> shape, Span<float> destination);
}
