namespace Guard.Guards.Model;

/// <summary>A tensor a model declares: name, KServe datatype and shape, where -1 means any size.</summary>
public sealed record TensorSpec(string Name, string Datatype, IReadOnlyList<long> Shape)
{
    /// <summary>Shape value meaning "any size" in model metadata.</summary>
    public const long AnySize = -1;
}
