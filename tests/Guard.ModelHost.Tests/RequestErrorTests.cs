using Guard.TestSupport;
using Guard.ModelHost.Tests.Support;
using Guard.OnnxRuntime;

namespace Guard.ModelHost.Tests;

/// <summary>Requests that do not fit the model are refused before ONNX Runtime, naming what is wrong.</summary>
[Collection(OrtTests.Name)]
public sealed class RequestErrorTests(OrtFixture ort) : IAsyncLifetime
{
    private readonly TestRepository _repo = new TestRepository()
        .AddDemo("fashion", config: "maxBatchSize: 8\ndynamicBatching:\n  enabled: true\nthreads:\n  intraOp: 1\n")
        .Add("add", TestModels.Add())
        .Add("neg", TestModels.Neg())
        .AddDemo("versions", "1")
        .AddDemo("versions", "3");

    private ModelHost _host = null!;

    private HostedModel Fashion => _host.Resolve("fashion", "1");

    public Task InitializeAsync()
    {
        _host = ort.Load(_repo);
        Assert.Empty(_host.Failures);
        return Task.CompletedTask;
    }

    public async Task DisposeAsync()
    {
        await _host.DisposeAsync();
        _repo.Dispose();
    }

    [Fact]
    public async Task Wrong_datatype_names_the_input_and_both_datatypes()
    {
        var input = new InferenceTensor("input", TensorElementType.Int64, [1, 1, 28, 28], new byte[784 * 8]);

        var error = await AssertInvalid(Fashion, input);

        Assert.Contains("'input'", error.Message, StringComparison.Ordinal);
        Assert.Contains("INT64", error.Message, StringComparison.Ordinal);
        Assert.Contains("FP32", error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Wrong_rank_names_the_input_and_both_shapes()
    {
        var input = new InferenceTensor("input", TensorElementType.Float, [1, 784], new byte[DemoSet.ImageBytes]);

        var error = await AssertInvalid(Fashion, input);

        Assert.Contains("'input'", error.Message, StringComparison.Ordinal);
        Assert.Contains("[1,784]", error.Message, StringComparison.Ordinal);
        Assert.Contains("[-1,1,28,28]", error.Message, StringComparison.Ordinal);
    }

    [Theory]
    [InlineData(1, 1, 28, 27)]
    [InlineData(1, 3, 28, 28)]
    [InlineData(1, 1, -28, 28)]
    [InlineData(-1, 1, 28, 28)]
    public async Task Wrong_fixed_or_negative_dimension_names_the_input_and_both_shapes(long n, long c, long h, long w)
    {
        var bytes = Math.Max(n * c * h * w, 0) * sizeof(float);
        var input = new InferenceTensor("input", TensorElementType.Float, [n, c, h, w], new byte[bytes]);

        var error = await AssertInvalid(Fashion, input);

        Assert.Contains("'input'", error.Message, StringComparison.Ordinal);
        Assert.Contains($"[{n},{c},{h},{w}]", error.Message, StringComparison.Ordinal);
        Assert.Contains("[-1,1,28,28]", error.Message, StringComparison.Ordinal);
    }

    [Theory]
    [InlineData(0)]
    [InlineData(DemoSet.ImageBytes - 4)]
    [InlineData(DemoSet.ImageBytes + 1)]
    [InlineData(DemoSet.ImageBytes * 2)]
    public async Task Byte_count_not_matching_the_shape_names_the_input_and_both_counts(int bytes)
    {
        var input = new InferenceTensor("input", TensorElementType.Float, [1, 1, 28, 28], new byte[bytes]);

        var error = await AssertInvalid(Fashion, input);

        Assert.Contains("'input'", error.Message, StringComparison.Ordinal);
        Assert.Contains($"carries {bytes} bytes", error.Message, StringComparison.Ordinal);
        Assert.Contains($"needs {DemoSet.ImageBytes}", error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Shape_whose_size_overflows_is_invalid_not_a_crash()
    {
        var input = new InferenceTensor("input", TensorElementType.Float, [long.MaxValue / 2, 1, 28, 28], new byte[DemoSet.ImageBytes]);

        var error = await AssertInvalid(Fashion, input);

        Assert.Contains("'input'", error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Shape_whose_byte_count_wraps_around_is_invalid()
    {
        // (2^60 + 1)·4 floats are 2^64 + 16 bytes: 16 once the multiplication wraps, exactly what the request carries.
        // Its first dimension cast to int is 1, a batch size the model takes.
        var input = new InferenceTensor("x", TensorElementType.Float, [(1L << 60) + 1, 4], new byte[16]);

        var error = await AssertInvalid(_host.Resolve("neg", ""), input);

        Assert.Contains("'x'", error.Message, StringComparison.Ordinal);
        Assert.Contains($"[{(1L << 60) + 1},4]", error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Unknown_input_name_lists_the_inputs()
    {
        var input = DemoData.Images(0, 1) with { Name = "image" };

        var error = await AssertInvalid(Fashion, input);

        Assert.Contains("no input 'image'", error.Message, StringComparison.Ordinal);
        Assert.Contains("'input'", error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Missing_input_of_a_two_input_model_names_both_and_the_count()
    {
        var error = await AssertInvalid(_host.Resolve("add", ""), Row("a", 1));

        Assert.Contains("takes 2 input(s)", error.Message, StringComparison.Ordinal);
        Assert.Contains("'a', 'b'", error.Message, StringComparison.Ordinal);
        Assert.Contains("the request has 1", error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Too_many_inputs_are_refused()
    {
        var error = await AssertInvalid(Fashion, DemoData.Images(0, 1), DemoData.Images(1, 1) with { Name = "extra" });

        Assert.Contains("takes 1 input(s)", error.Message, StringComparison.Ordinal);
        Assert.Contains("the request has 2", error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public async Task The_same_input_twice_is_refused()
    {
        var error = await AssertInvalid(_host.Resolve("add", ""), Row("a", 1), Row("a", 1));

        Assert.Contains("'a' appears twice", error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Inputs_that_disagree_on_the_batch_size_are_refused()
    {
        var error = await AssertInvalid(_host.Resolve("add", ""), Row("a", 2), Row("b", 3));

        Assert.Contains("batch size", error.Message, StringComparison.Ordinal);
        Assert.Contains("'b'", error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Two_input_model_serves_its_inputs_given_in_any_order()
    {
        var a = new InferenceTensor("a", TensorElementType.Float, [2, 4], TestModels.Floats(1, 2, 3, 4, 5, 6, 7, 8));
        var b = new InferenceTensor("b", TensorElementType.Float, [2, 4], TestModels.Floats(10, 20, 30, 40, 50, 60, 70, 80));

        var response = await _host.Resolve("add", "").InferAsync(new InferenceRequest([b, a], []), CancellationToken.None);

        var c = Assert.Single(response.Outputs);
        Assert.Equal("c", c.Name);
        Assert.Equal([2L, 4], c.Shape);
        Assert.Equal([11f, 22, 33, 44, 55, 66, 77, 88], TestModels.ToFloats(c.Data));
    }

    [Fact]
    public async Task Batch_size_0_is_refused()
    {
        var input = new InferenceTensor("input", TensorElementType.Float, [0, 1, 28, 28], Array.Empty<byte>());

        var error = await AssertInvalid(Fashion, input);

        Assert.Contains("Batch size 0 is outside 1..8", error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Batch_size_above_max_batch_size_is_refused()
    {
        var error = await AssertInvalid(Fashion, DemoData.Images(0, 9));

        Assert.Contains("Batch size 9 is outside 1..8", error.Message, StringComparison.Ordinal);
        var atMost = await Fashion.InferAsync(DemoData.Request(0, 8), CancellationToken.None);
        Assert.Equal([8L, 10], atMost.Outputs[0].Shape);
    }

    [Fact]
    public async Task Unknown_requested_output_lists_the_outputs()
    {
        var request = new InferenceRequest([DemoData.Images(0, 1)], ["probabilities"]);

        var error = await Assert.ThrowsAsync<InferenceException>(() => Fashion.InferAsync(request, CancellationToken.None));

        Assert.Equal(InferenceErrorKind.InvalidArgument, error.Kind);
        Assert.Contains("no output 'probabilities'", error.Message, StringComparison.Ordinal);
        Assert.Contains("'logits'", error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Requested_output_by_name_is_returned()
    {
        var response = await Fashion.InferAsync(new InferenceRequest([DemoData.Images(0, 2)], ["logits"]), CancellationToken.None);

        Assert.Equal("logits", Assert.Single(response.Outputs).Name);
    }

    [Fact]
    public async Task A_refused_request_leaves_the_model_serving()
    {
        await AssertInvalid(Fashion, DemoData.Images(0, 1) with { Name = "nope" });

        var response = await Fashion.InferAsync(DemoData.Request(3, 1), CancellationToken.None);

        Assert.Equal(
            DemoSet.ArgMax(DemoSet.ReferenceLogits(DemoData.Model).AsSpan(3 * DemoSet.Classes, DemoSet.Classes)),
            DemoSet.ArgMax(TestModels.ToFloats(response.Outputs[0].Data)));
    }

    [Fact]
    public void Unknown_model_is_not_found()
    {
        var error = Assert.Throws<InferenceException>(() => _host.Resolve("nope", ""));

        Assert.Equal(InferenceErrorKind.NotFound, error.Kind);
        Assert.Contains("'nope'", error.Message, StringComparison.Ordinal);
        Assert.False(_host.IsReady("nope", ""));
        Assert.Empty(_host.VersionsOf("nope"));
    }

    [Fact]
    public void Unknown_version_is_not_found()
    {
        var error = Assert.Throws<InferenceException>(() => _host.Resolve("versions", "2"));

        Assert.Equal(InferenceErrorKind.NotFound, error.Kind);
        Assert.Contains("no version 2", error.Message, StringComparison.Ordinal);
        Assert.False(_host.IsReady("versions", "2"));
    }

    [Fact]
    public void Empty_version_resolves_to_the_highest()
    {
        Assert.Equal("3", _host.Resolve("versions", "").Version);
        Assert.Equal("1", _host.Resolve("versions", "1").Version);
        Assert.Equal(["3", "1"], _host.VersionsOf("versions").Select(v => v.Version));
        Assert.True(_host.IsReady("versions", ""));
        Assert.True(_host.IsReady("versions", "3"));
    }

    private static InferenceTensor Row(string name, int rows) =>
        new(name, TensorElementType.Float, [rows, 4], new byte[rows * 4 * sizeof(float)]);

    private static async Task<InferenceException> AssertInvalid(HostedModel model, params InferenceTensor[] inputs)
    {
        var error = await Assert.ThrowsAsync<InferenceException>(() => model.InferAsync(new InferenceRequest(inputs, []), CancellationToken.None));
        Assert.Equal(InferenceErrorKind.InvalidArgument, error.Kind);
        return error;
    }
}
