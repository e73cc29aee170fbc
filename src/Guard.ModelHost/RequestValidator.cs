using Guard.ModelHost.Scheduling;

namespace Guard.ModelHost;

/// <summary>
/// Checks a request against a model's inputs and outputs before it can reach ONNX Runtime: names, datatypes, ranks,
/// fixed dimensions, batch size and byte counts. ORT would reject most of these too, but mid-batch and with the
/// whole batch failing, so a bad request must never get that far.
/// </summary>
internal sealed class RequestValidator(string model, IReadOnlyList<TensorDescription> inputs, IReadOnlyList<TensorDescription> outputs, int maxBatchSize)
{
    public PendingRequest Prepare(InferenceRequest request)
    {
        if (request.Inputs.Count != inputs.Count)
        {
            throw Invalid($"Model '{model}' takes {inputs.Count} input(s) ({Names(inputs)}); the request has {request.Inputs.Count}.");
        }

        var ordered = new InferenceTensor[inputs.Count];
        var rows = -1;
        foreach (var tensor in request.Inputs)
        {
            var index = IndexOf(inputs, tensor.Name);
            if (index < 0)
            {
                throw Invalid($"Model '{model}' has no input '{tensor.Name}' (its inputs: {Names(inputs)}).");
            }
            if (ordered[index] is not null)
            {
                throw Invalid($"Input '{tensor.Name}' appears twice.");
            }

            var spec = inputs[index];
            CheckTensor(spec, tensor);
            if (maxBatchSize > 0)
            {
                var tensorRows = tensor.Shape[0];
                if (rows >= 0 && tensorRows != rows)
                {
                    throw Invalid($"Inputs disagree on the batch size (first dimension): {rows} and {tensorRows} for '{tensor.Name}'.");
                }
                rows = (int)tensorRows;
            }

            ordered[index] = tensor;
        }

        if (maxBatchSize > 0 && (rows < 1 || rows > maxBatchSize))
        {
            throw Invalid($"Batch size {rows} is outside 1..{maxBatchSize}, the most model '{model}' takes in one request.");
        }

        return new PendingRequest(ordered, Math.Max(rows, 1), OutputIndices(request.RequestedOutputs));
    }

    private void CheckTensor(TensorDescription spec, InferenceTensor tensor)
    {
        if (tensor.ElementType != spec.ElementType)
        {
            throw Invalid($"Input '{spec.Name}' has datatype {tensor.Datatype}; model '{model}' expects {spec.Datatype}.");
        }
        if (tensor.Shape.Count != spec.Shape.Count)
        {
            throw Invalid($"Input '{spec.Name}' has shape {Format(tensor.Shape)}; model '{model}' expects {Format(spec.Shape)}.");
        }

        long elements = 1;
        var tooLarge = false;
        for (var d = 0; d < spec.Shape.Count; d++)
        {
            var dim = tensor.Shape[d];
            if (dim < 0 || (spec.Shape[d] >= 0 && dim != spec.Shape[d]))
            {
                throw Invalid($"Input '{spec.Name}' has shape {Format(tensor.Shape)}; model '{model}' expects {Format(spec.Shape)}.");
            }
            // A shape no request can carry (more than int.MaxValue elements) must not overflow into one that matches.
            tooLarge |= dim > 0 && elements > int.MaxValue / dim;
            elements = tooLarge ? elements : elements * dim;
        }

        if (tooLarge)
        {
            throw Invalid($"Input '{spec.Name}' has shape {Format(tensor.Shape)}: more elements than a request can carry.");
        }

        var expectedBytes = elements * OnnxRuntime.TensorElementTypes.SizeOf(spec.ElementType);
        if (tensor.Data.Length != expectedBytes)
        {
            throw Invalid($"Input '{spec.Name}' carries {tensor.Data.Length} bytes; shape {Format(tensor.Shape)} of {spec.Datatype} needs {expectedBytes}.");
        }
    }

    private int[] OutputIndices(IReadOnlyList<string> requested)
    {
        if (requested.Count == 0)
        {
            return Enumerable.Range(0, outputs.Count).ToArray();
        }

        var indices = new int[requested.Count];
        for (var i = 0; i < requested.Count; i++)
        {
            indices[i] = IndexOf(outputs, requested[i]);
            if (indices[i] < 0)
            {
                throw Invalid($"Model '{model}' has no output '{requested[i]}' (its outputs: {Names(outputs)}).");
            }
        }

        return indices;
    }

    private static int IndexOf(IReadOnlyList<TensorDescription> tensors, string name)
    {
        for (var i = 0; i < tensors.Count; i++)
        {
            if (tensors[i].Name == name)
            {
                return i;
            }
        }

        return -1;
    }

    private static string Names(IReadOnlyList<TensorDescription> tensors) => string.Join(", ", tensors.Select(t => $"'{t.Name}'"));

    internal static string Format(IReadOnlyList<long> shape) => $"[{string.Join(",", shape)}]";

    private static InferenceException Invalid(string message) => new(InferenceErrorKind.InvalidArgument, message);
}
