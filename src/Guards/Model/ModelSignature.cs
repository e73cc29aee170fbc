using Google.Protobuf.Collections;
using Guard.Protocol.Inference;

namespace Guard.Guards.Model;

/// <summary>The inputs and outputs a model declares in its metadata.</summary>
public sealed record ModelSignature(string Name, IReadOnlyList<TensorSpec> Inputs, IReadOnlyList<TensorSpec> Outputs)
{
    public static ModelSignature FromMetadata(ModelMetadataResponse metadata)
    {
        ArgumentNullException.ThrowIfNull(metadata);
        return new ModelSignature(metadata.Name, ToSpecs(metadata.Inputs), ToSpecs(metadata.Outputs));
    }

    /// <summary>The declared input with this name (ordinal), or null. Linear: models declare a handful of inputs.</summary>
    public TensorSpec? FindInput(string name)
    {
        for (int i = 0; i < Inputs.Count; i++)
        {
            if (string.Equals(Inputs[i].Name, name, StringComparison.Ordinal))
            {
                return Inputs[i];
            }
        }

        return null;
    }

    private static TensorSpec[] ToSpecs(RepeatedField<ModelMetadataResponse.Types.TensorMetadata> tensors)
    {
        var specs = new TensorSpec[tensors.Count];
        for (int i = 0; i < specs.Length; i++)
        {
            var tensor = tensors[i];
            specs[i] = new TensorSpec(tensor.Name, tensor.Datatype, [.. tensor.Shape]);
        }

        return specs;
    }
}
