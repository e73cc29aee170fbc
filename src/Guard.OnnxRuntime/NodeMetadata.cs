namespace Guard.OnnxRuntime;

/// <summary>
/// A model input or output: its name, element type and dimensions, with -1 for a dynamic dimension.
/// A non-tensor value (sequence, map) has <see cref="TensorElementType.Undefined"/> and no dimensions.
/// </summary>
public sealed record NodeMetadata(string Name, TensorElementType ElementType, IReadOnlyList<long> Dimensions)
{
    public int Rank => Dimensions.Count;
}
