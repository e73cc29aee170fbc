using Guard.Guards.Model;
using Guard.Protocol;
using Guard.Protocol.Inference;

namespace Guard.Guards.Tests.Model;

public sealed class ModelTests
{
    [Fact]
    public void A_signature_is_read_from_model_metadata()
    {
        var metadata = new ModelMetadataResponse
        {
            Name = "simple",
            Versions = { "1" },
            Platform = "onnxruntime_onnx",
            Inputs = { new ModelMetadataResponse.Types.TensorMetadata { Name = "INPUT0", Datatype = "INT32", Shape = { -1, 16 } } },
            Outputs = { new ModelMetadataResponse.Types.TensorMetadata { Name = "OUTPUT0", Datatype = "FP32", Shape = { -1, 4 } } },
        };

        var signature = ModelSignature.FromMetadata(metadata);

        Assert.Equal("simple", signature.Name);
        var input = Assert.Single(signature.Inputs);
        Assert.Equal(("INPUT0", "INT32"), (input.Name, input.Datatype));
        Assert.Equal(new long[] { -1, 16 }, input.Shape);
        Assert.Equal("OUTPUT0", Assert.Single(signature.Outputs).Name);
        Assert.Same(input, signature.FindInput("INPUT0"));
        Assert.Null(signature.FindInput("input0"));
    }

    [Theory]
    [InlineData("BOOL", 1, TensorContentsFields.BoolContents)]
    [InlineData("UINT8", 1, TensorContentsFields.UintContents)]
    [InlineData("UINT16", 2, TensorContentsFields.UintContents)]
    [InlineData("UINT32", 4, TensorContentsFields.UintContents)]
    [InlineData("UINT64", 8, TensorContentsFields.Uint64Contents)]
    [InlineData("INT8", 1, TensorContentsFields.IntContents)]
    [InlineData("INT16", 2, TensorContentsFields.IntContents)]
    [InlineData("INT32", 4, TensorContentsFields.IntContents)]
    [InlineData("INT64", 8, TensorContentsFields.Int64Contents)]
    [InlineData("FP16", 2, null)]
    [InlineData("FP32", 4, TensorContentsFields.Fp32Contents)]
    [InlineData("FP64", 8, TensorContentsFields.Fp64Contents)]
    [InlineData("BF16", 2, null)]
    [InlineData("BYTES", DataType.VariableSize, TensorContentsFields.BytesContents)]
    public void Every_datatype_has_its_size_and_contents_field(string name, int size, string? field)
    {
        Assert.True(DataTypes.TryGet(name, out var dataType));
        Assert.Equal(name, dataType.Name);
        Assert.Equal(size, dataType.ElementSize);
        Assert.Equal(field, dataType.ContentsField);
        Assert.Equal(name is "FP16" or "BF16" or "FP32" or "FP64", dataType.IsFloatingPoint);
        Assert.Equal(name == "BYTES", dataType.IsVariableSize);
        Assert.Contains(dataType, DataTypes.All);
    }

    [Fact]
    public void Unknown_datatypes_are_not_found()
    {
        Assert.Equal(14, DataTypes.All.Count);
        Assert.False(DataTypes.TryGet("fp32", out _));
        Assert.False(DataTypes.TryGet("FLOAT", out _));
        Assert.False(DataTypes.TryGet(null, out _));
    }
}
