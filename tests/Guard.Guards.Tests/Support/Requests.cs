using System.Runtime.InteropServices;
using Google.Protobuf;
using Guard.Guards.Model;
using Guard.Guards.Pipeline;
using Guard.Protocol;
using Guard.Protocol.Inference;
using InputTensor = Guard.Protocol.Inference.ModelInferRequest.Types.InferInputTensor;

namespace Guard.Guards.Tests.Support;

/// <summary>Builders for requests, tensors and contexts used across the tests.</summary>
internal static class Requests
{
    public static InputTensor Input(string name, string datatype, params long[] shape)
    {
        var input = new InputTensor { Name = name, Datatype = datatype };
        input.Shape.AddRange(shape);
        return input;
    }

    public static ModelInferRequest Request(params InputTensor[] inputs)
    {
        var request = new ModelInferRequest { ModelName = "simple" };
        request.Inputs.AddRange(inputs);
        return request;
    }

    public static ModelInferRequest WithRaw(this ModelInferRequest request, params byte[][] raw)
    {
        foreach (var bytes in raw)
        {
            request.RawInputContents.Add(ByteString.CopyFrom(bytes));
        }

        return request;
    }

    public static byte[] Floats(params float[] values) => MemoryMarshal.AsBytes(values.AsSpan()).ToArray();

    public static byte[] Doubles(params double[] values) => MemoryMarshal.AsBytes(values.AsSpan()).ToArray();

    public static byte[] Halves(params Half[] values) => MemoryMarshal.AsBytes(values.AsSpan()).ToArray();

    public static byte[] BFloat16s(params float[] values)
    {
        // Truncation to the upper half is exact for the values the tests use.
        var bits = values.Select(v => (ushort)(BitConverter.SingleToUInt32Bits(v) >> 16)).ToArray();
        return MemoryMarshal.AsBytes(bits.AsSpan()).ToArray();
    }

    /// <summary>BYTES raw encoding: each element as a 4-byte little-endian length and its bytes.</summary>
    public static byte[] BytesElements(params string[] elements)
    {
        var encoder = new List<byte>();
        foreach (string element in elements)
        {
            byte[] utf8 = System.Text.Encoding.UTF8.GetBytes(element);
            encoder.AddRange(BitConverter.GetBytes((uint)utf8.Length));
            encoder.AddRange(utf8);
        }

        return [.. encoder];
    }

    public static GuardContext Context(ModelInferRequest request, ModelSignature? signature = null, string model = "simple") =>
        new(model, InferRequestView.Parse(request.ToByteArray()), signature, clientId: "client-1");

    public static ModelSignature Signature(params TensorSpec[] inputs) => new("simple", inputs, []);
}
