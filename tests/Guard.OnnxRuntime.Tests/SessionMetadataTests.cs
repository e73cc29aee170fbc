using Guard.OnnxRuntime.Tests.Support;

namespace Guard.OnnxRuntime.Tests;

[Collection(OrtTests.Name)]
public sealed class SessionMetadataTests(OrtFixture ort)
{
    [Fact]
    public void Inputs_and_outputs_report_names_element_types_and_dynamic_dimensions_as_minus_one()
    {
        using var session = ort.Session(TestModels.Add());

        Assert.Equal(["a", "b"], session.InputMetadata.Select(i => i.Name));
        Assert.All(session.InputMetadata, i => Assert.Equal(TensorElementType.Float, i.ElementType));
        Assert.All(session.InputMetadata, i => Assert.Equal([-1L, 4L], i.Dimensions));
        var output = Assert.Single(session.OutputMetadata);
        Assert.Equal(new NodeMetadata("c", TensorElementType.Float, output.Dimensions), output);
        Assert.Equal([-1L, 4L], output.Dimensions);
    }

    [Fact]
    public void Metadata_reports_each_supported_element_type()
    {
        using var mixed = ort.Session(TestModels.BoolAndUInt8());
        Assert.Equal([TensorElementType.Bool, TensorElementType.UInt8], mixed.InputMetadata.Select(i => i.ElementType));
        Assert.Equal([TensorElementType.Bool, TensorElementType.Int32], mixed.OutputMetadata.Select(o => o.ElementType));
        Assert.Equal(1, mixed.InputMetadata[0].Rank);

        using var cast = ort.Session(TestModels.CastToInt64());
        Assert.Equal(TensorElementType.Int64, cast.OutputMetadata[0].ElementType);

        using var half = ort.Session(TestModels.Float16RoundTrip());
        Assert.Equal(TensorElementType.Float16, half.InputMetadata[0].ElementType);
        Assert.Equal(["f", "h2"], half.OutputMetadata.Select(o => o.Name));
    }

    [Fact]
    public void Session_from_file_equals_session_from_bytes()
    {
        var model = TestModels.MatMulRelu();
        var path = Path.Combine(Path.GetTempPath(), $"guard-ort-{Guid.NewGuid():N}.onnx");
        File.WriteAllBytes(path, model);
        try
        {
            using var options = ort.Options();
            using var fromFile = new InferenceSession(ort.Environment, path, options);
            using var fromBytes = new InferenceSession(ort.Environment, model, options);

            Assert.Equal(fromBytes.InputMetadata, fromFile.InputMetadata, MetadataComparer.Instance);
            Assert.Equal(fromBytes.OutputMetadata, fromFile.OutputMetadata, MetadataComparer.Instance);

            float[] x = [1, 2, 3, -1, 0.5f, 2];
            using var input = OrtTensor.Create(ort.Library, x, 2, 3);
            using var a = fromFile.Run(["x"], [input]);
            using var b = fromBytes.Run(["x"], [input]);
            Assert.Equal(b[0].ToArray<float>(), a[0].ToArray<float>());
        }
        finally
        {
            File.Delete(path);
        }
    }

    private sealed class MetadataComparer : IEqualityComparer<NodeMetadata>
    {
        public static readonly MetadataComparer Instance = new();

        public bool Equals(NodeMetadata? x, NodeMetadata? y)
            => x is not null && y is not null && x.Name == y.Name && x.ElementType == y.ElementType
               && x.Dimensions.SequenceEqual(y.Dimensions);

        public int GetHashCode(NodeMetadata obj) => obj.Name.GetHashCode(StringComparison.Ordinal);
    }
}
