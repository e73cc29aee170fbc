using System.Buffers.Binary;
using Google.Protobuf;
using Guard.Protocol.Inference;
using Guard.RedTeam.Targets;

namespace Guard.RedTeam.Tests.Targets;

/// <summary>KServe v2 messages without a server: the one-image request, the scores in the response, the metadata.</summary>
public sealed class InferMessagesTests
{
    private static readonly KServeTensorSpec Spec = new("input", "FP32", [1, 1, 28, 28], "logits");

    [Fact]
    public void Metadata_with_a_dynamic_batch_gives_a_batch_of_one()
    {
        var metadata = new ModelMetadataResponse { Name = "fashion_cnn" };
        metadata.Inputs.Add(Tensor("input", "FP32", -1, 1, 28, 28));
        metadata.Outputs.Add(Tensor("logits", "FP32", -1, 10));
        var spec = KServeTensorSpec.FromMetadata(metadata);
        Assert.Equal("input", spec.InputName);
        Assert.Equal([1L, 1, 28, 28], spec.InputShape);
        Assert.Equal(784, spec.ElementCount);
        Assert.Equal("logits", spec.OutputName);
    }

    [Theory]
    [InlineData("FP16", new long[] { -1, 784 })]
    [InlineData("FP32", new long[] { -1, -1, 28 })]
    public void Metadata_the_attacks_cannot_feed_is_refused_clearly(string datatype, long[] shape)
    {
        var metadata = new ModelMetadataResponse { Name = "m" };
        metadata.Inputs.Add(Tensor("x", datatype, shape));
        var ex = Assert.Throws<TargetUnavailableException>(() => KServeTensorSpec.FromMetadata(metadata));
        Assert.Contains("'x'", ex.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void The_request_carries_one_image_as_little_endian_raw_input_contents()
    {
        var image = Enumerable.Range(0, 784).Select(i => i / 784f).ToArray();
        var request = InferMessages.BuildRequest("fashion_cnn", "1", Spec, image);

        Assert.Equal("fashion_cnn", request.ModelName);
        Assert.Equal("1", request.ModelVersion);
        var input = Assert.Single(request.Inputs);
        Assert.Equal("input", input.Name);
        Assert.Equal("FP32", input.Datatype);
        Assert.Equal([1L, 1, 28, 28], input.Shape);
        Assert.Null(input.Contents);
        var raw = Assert.Single(request.RawInputContents).Span;
        Assert.Equal(784 * 4, raw.Length);
        Assert.Equal(image[123], BinaryPrimitives.ReadSingleLittleEndian(raw[(123 * 4)..]));

        // And it survives the wire.
        var parsed = ModelInferRequest.Parser.ParseFrom(request.ToByteArray());
        Assert.Equal(request, parsed);
    }

    [Fact]
    public void An_image_of_the_wrong_size_is_not_sent()
    {
        Assert.Throws<ArgumentException>(() => InferMessages.BuildRequest("m", null, Spec, new float[10]));
    }

    [Fact]
    public void Scores_are_read_from_raw_output_contents()
    {
        var logits = new float[] { 1, 2, 3, -4, 5, 6, 7, 8, 9, 10 };
        var bytes = new byte[40];
        for (var i = 0; i < 10; i++)
        {
            BinaryPrimitives.WriteSingleLittleEndian(bytes.AsSpan(i * 4), logits[i]);
        }

        var response = new ModelInferResponse { ModelName = "m" };
        response.Outputs.Add(new ModelInferResponse.Types.InferOutputTensor { Name = "logits", Datatype = "FP32", Shape = { 1, 10 } });
        response.RawOutputContents.Add(ByteString.CopyFrom(bytes));
        Assert.Equal(logits, InferMessages.ReadScores(response, "logits"));
    }

    [Fact]
    public void Scores_are_read_from_typed_contents_and_the_named_output_is_chosen()
    {
        var response = new ModelInferResponse();
        response.Outputs.Add(new ModelInferResponse.Types.InferOutputTensor { Name = "embedding", Datatype = "FP32", Contents = new InferTensorContents { Fp32Contents = { 9, 9 } } });
        response.Outputs.Add(new ModelInferResponse.Types.InferOutputTensor { Name = "probs", Datatype = "FP64", Contents = new InferTensorContents { Fp64Contents = { 0.25, 0.75 } } });
        Assert.Equal([0.25f, 0.75f], InferMessages.ReadScores(response, "probs"));
        Assert.Equal([9f, 9f], InferMessages.ReadScores(response, null));
    }

    [Fact]
    public void A_response_without_usable_scores_is_an_error()
    {
        Assert.Throws<InvalidDataException>(() => InferMessages.ReadScores(new ModelInferResponse(), null));
        var response = new ModelInferResponse();
        response.Outputs.Add(new ModelInferResponse.Types.InferOutputTensor { Name = "ids", Datatype = "INT64" });
        Assert.Throws<InvalidDataException>(() => InferMessages.ReadScores(response, "ids"));
    }

    private static ModelMetadataResponse.Types.TensorMetadata Tensor(string name, string datatype, params long[] shape)
    {
        var tensor = new ModelMetadataResponse.Types.TensorMetadata { Name = name, Datatype = datatype };
        tensor.Shape.AddRange(shape);
        return tensor;
    }
}
