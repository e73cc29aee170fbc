using System.Buffers.Binary;
using System.Runtime.InteropServices;
using Google.Protobuf;
using Guard.Protocol.Inference;

namespace Guard.RedTeam.Targets;

/// <summary>Builds the one-image ModelInfer request (raw_input_contents) and reads the scores out of the response.</summary>
public static class InferMessages
{
    public static ModelInferRequest BuildRequest(string model, string? version, KServeTensorSpec spec, ReadOnlySpan<float> image)
    {
        ArgumentNullException.ThrowIfNull(spec);
        if (image.Length != spec.ElementCount)
        {
            throw new ArgumentException($"The image has {image.Length} values; input '{spec.InputName}' takes {spec.ElementCount}.", nameof(image));
        }

        var tensor = new ModelInferRequest.Types.InferInputTensor { Name = spec.InputName, Datatype = spec.InputDatatype };
        tensor.Shape.AddRange(spec.InputShape);
        var request = new ModelInferRequest { ModelName = model, ModelVersion = version ?? "" };
        request.Inputs.Add(tensor);
        request.RawInputContents.Add(ToLittleEndianBytes(image));
        return request;
    }

    /// <summary>The named output (else the first) as floats, from raw_output_contents or the typed contents.</summary>
    /// <exception cref="InvalidDataException">No output, or one that is not FP32/FP64.</exception>
    public static float[] ReadScores(ModelInferResponse response, string? outputName)
    {
        ArgumentNullException.ThrowIfNull(response);
        if (response.Outputs.Count == 0)
        {
            throw new InvalidDataException("The response has no outputs.");
        }

        var index = 0;
        for (var i = 0; i < response.Outputs.Count; i++)
        {
            if (response.Outputs[i].Name == outputName)
            {
                index = i;
                break;
            }
        }

        var output = response.Outputs[index];
        if (response.RawOutputContents.Count > index)
        {
            var raw = response.RawOutputContents[index].Span;
            return output.Datatype switch
            {
                "FP32" => ReadFloats(raw),
                "FP64" => ReadDoubles(raw),
                _ => throw new InvalidDataException($"Output '{output.Name}' is {output.Datatype}; scores must be FP32 or FP64."),
            };
        }

        return output.Datatype switch
        {
            "FP32" => output.Contents?.Fp32Contents.ToArray() ?? [],
            "FP64" => output.Contents?.Fp64Contents.Select(d => (float)d).ToArray() ?? [],
            _ => throw new InvalidDataException($"Output '{output.Name}' is {output.Datatype}; scores must be FP32 or FP64."),
        };
    }

    private static ByteString ToLittleEndianBytes(ReadOnlySpan<float> image)
    {
        if (BitConverter.IsLittleEndian)
        {
            return ByteString.CopyFrom(MemoryMarshal.AsBytes(image));
        }

        var bytes = new byte[image.Length * sizeof(float)];
        for (var i = 0; i < image.Length; i++)
        {
            BinaryPrimitives.WriteSingleLittleEndian(bytes.AsSpan(i * sizeof(float)), image[i]);
        }

        return ByteString.CopyFrom(bytes);
    }

    private static float[] ReadFloats(ReadOnlySpan<byte> raw)
    {
        var values = new float[raw.Length / sizeof(float)];
        for (var i = 0; i < values.Length; i++)
        {
            values[i] = BinaryPrimitives.ReadSingleLittleEndian(raw[(i * sizeof(float))..]);
        }

        return values;
    }

    private static float[] ReadDoubles(ReadOnlySpan<byte> raw)
    {
        var values = new float[raw.Length / sizeof(double)];
        for (var i = 0; i < values.Length; i++)
        {
            values[i] = (float)BinaryPrimitives.ReadDoubleLittleEndian(raw[(i * sizeof(double))..]);
        }

        return values;
    }
}
