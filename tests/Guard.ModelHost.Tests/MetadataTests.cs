using Guard.TestSupport;
using Guard.ModelHost.Tests.Support;
using Guard.OnnxRuntime;

namespace Guard.ModelHost.Tests;

/// <summary>What a hosted model takes and gives comes from the ONNX graph; how it batches from the graph and config.</summary>
[Collection(OrtTests.Name)]
public sealed class MetadataTests(OrtFixture ort)
{
    [Fact]
    public async Task Demo_model_inputs_and_outputs_come_from_the_graph()
    {
        using var repo = new TestRepository().AddDemo("fashion", config: null);
        File.Copy(Path.Combine(DemoSet.ModelFolder(DemoData.Model), "config.yaml"), repo.ConfigPath("fashion"));

        await using var host = ort.Load(repo);
        var model = host.Resolve("fashion", "1");

        Assert.Equal("fashion", model.Name);
        Assert.Equal("1", model.Version);
        var input = Assert.Single(model.Inputs);
        Assert.Equal("input", input.Name);
        Assert.Equal("FP32", input.Datatype);
        Assert.Equal(TensorElementType.Float, input.ElementType);
        Assert.Equal([-1L, 1, 28, 28], input.Shape);
        var output = Assert.Single(model.Outputs);
        Assert.Equal("logits", output.Name);
        Assert.Equal("FP32", output.Datatype);
        Assert.Equal([-1L, 10], output.Shape);
        Assert.Equal(256, model.MaxBatchSize);
        Assert.True(model.DynamicBatching);
        Assert.Equal("cpu", model.ExecutionProvider.Requested);
        Assert.Equal("cpu", model.ExecutionProvider.Actual);
        Assert.False(model.ExecutionProvider.FellBack);
    }

    [Fact]
    public async Task Without_config_a_batchable_model_batches_up_to_256_without_dynamic_batching()
    {
        using var repo = new TestRepository().AddDemo("fashion", config: null);

        await using var host = ort.Load(repo);
        var model = host.Resolve("fashion", "");

        Assert.Equal(256, model.MaxBatchSize);
        Assert.False(model.DynamicBatching);
        var response = await model.InferAsync(DemoData.Request(0, 256), CancellationToken.None);
        Assert.Equal([256L, 10], response.Outputs[0].Shape);
    }

    [Fact]
    public async Task Configured_max_batch_size_is_used()
    {
        using var repo = new TestRepository().AddDemo("fashion", config: "maxBatchSize: 16\nthreads:\n  intraOp: 1\n");

        await using var host = ort.Load(repo);

        Assert.Equal(16, host.Resolve("fashion", "").MaxBatchSize);
    }

    [Fact]
    public async Task Model_with_a_fixed_first_dimension_does_not_batch_and_serves_its_shape()
    {
        using var repo = new TestRepository().Add("fixed", TestModels.FixedIdentity());

        await using var host = ort.Load(repo);
        var model = host.Resolve("fixed", "");

        Assert.Equal(0, model.MaxBatchSize);
        Assert.False(model.DynamicBatching);
        Assert.Equal([2L, 3], Assert.Single(model.Inputs).Shape);
        Assert.Equal([2L, 3], Assert.Single(model.Outputs).Shape);
        float[] values = [1, 2, 3, 4, 5, 6];
        var input = new InferenceTensor("x", TensorElementType.Float, [2, 3], TestModels.Floats(values));
        var responses = await Task.WhenAll(Enumerable.Range(0, 4).Select(
            _ => model.InferAsync(new InferenceRequest([input], []), CancellationToken.None)));
        foreach (var response in responses)
        {
            var y = Assert.Single(response.Outputs);
            Assert.Equal("y", y.Name);
            Assert.Equal([2L, 3], y.Shape);
            Assert.Equal(values, TestModels.ToFloats(y.Data));
        }
    }

    [Fact]
    public async Task Max_batch_size_0_in_config_turns_batching_off_for_a_batchable_model()
    {
        using var repo = new TestRepository().AddDemo("fashion", config: "maxBatchSize: 0\nthreads:\n  intraOp: 1\n");

        await using var host = ort.Load(repo);
        var model = host.Resolve("fashion", "");

        Assert.Equal(0, model.MaxBatchSize);
        var response = await model.InferAsync(DemoData.Request(0, 3), CancellationToken.None);
        Assert.Equal([3L, 10], response.Outputs[0].Shape);
    }

    [Fact]
    public async Task Max_batch_size_on_a_model_with_a_fixed_first_dimension_is_a_load_failure()
    {
        using var repo = new TestRepository()
            .Add("fixed", TestModels.FixedIdentity(), config: "maxBatchSize: 4\nthreads:\n  intraOp: 1\n")
            .AddDemo("good");

        await using var host = ort.Load(repo);

        var failure = Assert.Single(host.Failures);
        Assert.Equal(("fixed", "1"), (failure.Model, failure.Version));
        Assert.Contains("maxBatchSize is 4", failure.Reason, StringComparison.Ordinal);
        Assert.Contains("'x' has shape [2,3]", failure.Reason, StringComparison.Ordinal);
        Assert.Contains("dynamic first dimension", failure.Reason, StringComparison.Ordinal);
        var error = Assert.Throws<InferenceException>(() => host.Resolve("fixed", "1"));
        Assert.Equal(InferenceErrorKind.Unavailable, error.Kind);
        Assert.Contains("maxBatchSize is 4", error.Message, StringComparison.Ordinal);
        Assert.True(host.IsReady("good", "1"));
    }
}
