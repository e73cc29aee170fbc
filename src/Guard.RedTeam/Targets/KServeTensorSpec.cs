using Guard.Protocol.Inference;

namespace Guard.RedTeam.Targets;

/// <summary>The model's image input and score output as its metadata describes them, with the batch set to one.</summary>
public sealed record KServeTensorSpec(string InputName, string InputDatatype, IReadOnlyList<long> InputShape, string? OutputName)
{
    /// <summary>Values in one image: the product of the shape.</summary>
    public long ElementCount => InputShape.Aggregate(1L, (a, b) => a * b);

    /// <summary>Reads the first input and output of a ModelMetadata answer; a dynamic leading dimension becomes a batch of one.</summary>
    /// <exception cref="TargetUnavailableException">The model has no input, a datatype other than FP32, or other dynamic dimensions.</exception>
    public static KServeTensorSpec FromMetadata(ModelMetadataResponse metadata)
    {
        ArgumentNullException.ThrowIfNull(metadata);
        if (metadata.Inputs.Count == 0)
        {
            throw new TargetUnavailableException($"Model '{metadata.Name}' declares no inputs.");
        }

        var input = metadata.Inputs[0];
        if (input.Datatype != "FP32")
        {
            throw new TargetUnavailableException($"Model '{metadata.Name}' input '{input.Name}' is {input.Datatype}; the attacks send FP32 images.");
        }

        var shape = input.Shape.ToArray();
        if (shape.Length > 0 && shape[0] == -1)
        {
            shape[0] = 1;
        }

        if (shape.Any(d => d <= 0))
        {
            throw new TargetUnavailableException($"Model '{metadata.Name}' input '{input.Name}' has shape [{string.Join(',', input.Shape)}]: only the batch dimension may be dynamic.");
        }

        return new KServeTensorSpec(input.Name, input.Datatype, shape, metadata.Outputs.Count > 0 ? metadata.Outputs[0].Name : null);
    }
}
