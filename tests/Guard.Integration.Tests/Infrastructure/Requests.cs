using Google.Protobuf;
using Guard.Protocol.Inference;

namespace Guard.Integration.Tests.Infrastructure;

/// <summary>Builders for KServe v2 requests used across tests.</summary>
public static class Requests
{
    /// <summary>The `simple` model's request: INPUT0 = 0..15, INPUT1 = 1s (INT32 [1,16], raw).</summary>
    public static ModelInferRequest Simple(string id = "t")
    {
        var a = new int[16];
        var b = new int[16];
        for (var i = 0; i < 16; i++)
        {
            a[i] = i;
            b[i] = 1;
        }

        var request = new ModelInferRequest { ModelName = "simple", Id = id };
        request.Inputs.Add(Tensor("INPUT0", "INT32", 1, 16));
        request.Inputs.Add(Tensor("INPUT1", "INT32", 1, 16));
        request.RawInputContents.Add(ByteString.CopyFrom(System.Runtime.InteropServices.MemoryMarshal.AsBytes(a.AsSpan())));
        request.RawInputContents.Add(ByteString.CopyFrom(System.Runtime.InteropServices.MemoryMarshal.AsBytes(b.AsSpan())));
        return request;
    }

    public static ModelInferRequest.Types.InferInputTensor Tensor(string name, string datatype, params long[] shape)
    {
        var tensor = new ModelInferRequest.Types.InferInputTensor { Name = name, Datatype = datatype };
        tensor.Shape.AddRange(shape);
        return tensor;
    }

    public static int[] Int32Output(ModelInferResponse response, int index) =>
        System.Runtime.InteropServices.MemoryMarshal.Cast<byte, int>(response.RawOutputContents[index].Span).ToArray();
}
