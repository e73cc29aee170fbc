using System.Runtime.InteropServices;
using Google.Protobuf;
using Guard.Guards.Responses;
using Guard.Protocol.Inference;

namespace Guard.Guards.Tests.Responses;

public sealed class OutputHardenerTests
{
    private static ModelInferResponse Response(string datatype, byte[] raw, params long[] shape)
    {
        var response = new ModelInferResponse { ModelName = "m" };
        var output = new ModelInferResponse.Types.InferOutputTensor { Name = "logits", Datatype = datatype };
        output.Shape.AddRange(shape);
        response.Outputs.Add(output);
        response.RawOutputContents.Add(ByteString.CopyFrom(raw));
        return response;
    }

    private static float[] Floats(ModelInferResponse response, int index = 0) => MemoryMarshal.Cast<byte, float>(response.RawOutputContents[index].Span).ToArray();

    [Fact]
    public void Top1_turns_each_row_into_a_one_hot_of_its_largest_score()
    {
        var response = Response("FP32", MemoryMarshal.AsBytes(new[] { 0.1f, 2.5f, -1f, 7f, 3f, 7.5f }.AsSpan()).ToArray(), 2, 3);
        new OutputHardener(new OutputHardeningOptions { Mode = OutputHardeningMode.Top1 }).Apply(response);
        Assert.Equal([0f, 1f, 0f, 0f, 0f, 1f], Floats(response));
    }

    [Fact]
    public void Round_keeps_the_configured_digits_half_to_even()
    {
        var response = Response("FP32", MemoryMarshal.AsBytes(new[] { 0.123456f, 0.125f, -3.14159f, 0.135f }.AsSpan()).ToArray(), 1, 4);
        new OutputHardener(new OutputHardeningOptions { Mode = OutputHardeningMode.Round, Decimals = 2 }).Apply(response);
        Assert.Equal([0.12f, 0.12f, -3.14f, (float)Math.Round(0.135f, 2, MidpointRounding.ToEven)], Floats(response));
    }

    [Fact]
    public void Fp16_outputs_are_hardened_in_their_own_type()
    {
        var halves = new[] { (Half)0.2f, (Half)0.9f, (Half)0.1f };
        var response = Response("FP16", MemoryMarshal.AsBytes(halves.AsSpan()).ToArray(), 1, 3);
        new OutputHardener(new OutputHardeningOptions { Mode = OutputHardeningMode.Top1 }).Apply(response);
        Assert.Equal([(Half)0f, (Half)1f, (Half)0f], MemoryMarshal.Cast<byte, Half>(response.RawOutputContents[0].Span).ToArray());
    }

    [Fact]
    public void Typed_fp32_contents_are_hardened_too()
    {
        var response = new ModelInferResponse();
        var output = new ModelInferResponse.Types.InferOutputTensor { Name = "p", Datatype = "FP32", Contents = new InferTensorContents() };
        output.Shape.Add(1);
        output.Shape.Add(3);
        output.Contents.Fp32Contents.AddRange([0.3f, 0.6f, 0.1f]);
        response.Outputs.Add(output);
        new OutputHardener(new OutputHardeningOptions { Mode = OutputHardeningMode.Top1 }).Apply(response);
        Assert.Equal([0f, 1f, 0f], response.Outputs[0].Contents.Fp32Contents);
    }

    [Fact]
    public void Integer_outputs_and_the_none_mode_pass_unchanged()
    {
        long[] classes = [3, 9];
        var labels = MemoryMarshal.AsBytes(classes.AsSpan()).ToArray();
        var response = Response("INT64", labels, 2);
        new OutputHardener(new OutputHardeningOptions { Mode = OutputHardeningMode.Top1 }).Apply(response);
        Assert.Equal(labels, response.RawOutputContents[0].ToByteArray());

        float[] raw = [0.123f, 0.877f];
        var scores = MemoryMarshal.AsBytes(raw.AsSpan()).ToArray();
        var untouched = Response("FP32", scores, 1, 2);
        var none = new OutputHardener(OutputHardeningOptions.Off);
        Assert.False(none.IsEnabled);
        none.Apply(untouched);
        Assert.Equal(scores, untouched.RawOutputContents[0].ToByteArray());
    }

    [Fact]
    public void A_nan_score_never_becomes_the_label()
    {
        var values = new[] { float.NaN, 0.2f, 0.5f };
        new OutputHardener(new OutputHardeningOptions { Mode = OutputHardeningMode.Top1 }).Harden(values, 3);
        Assert.Equal([0f, 0f, 1f], values);
    }
}
