using System.Globalization;
using System.Runtime.InteropServices;
using Google.Protobuf;
using Guard.Integration.Tests.Infrastructure;
using Guard.Protocol.Inference;
using Guard.Rpc;
using Guard.Rpc.Client;
using Guard.TestSupport;

namespace Guard.Integration.Tests.Embedded;

/// <summary>
/// The demo models served in-process by the embedded model host, through Guard's gRPC front door: real grpcio
/// clients get the training script's logits; metadata comes from the ONNX graph; bad requests get clear statuses.
/// </summary>
public sealed class EmbeddedModelHostTests(EmbeddedHostFixture fixture) : IClassFixture<EmbeddedHostFixture>
{
    private GuardServer Guard => fixture.Guard;

    [Theory]
    [InlineData("fashion_cnn", "--batch", "1", "--concurrency", "8")]
    [InlineData("fashion_cnn_s025", "--batch", "50", "--concurrency", "2")]
    [InlineData("fashion_cnn_s050", "--stream")]
    [InlineData("fashion_raw", "--reference", "fashion_cnn", "--concurrency", "4")]
    public async Task A_grpcio_client_gets_the_reference_predictions(string model, params string[] args)
    {
        var result = await PythonClient.ClassifyAsync(Guard.GrpcAddress, ["--model", model, .. args]);
        Assert.True(result.Ok, result.ToString());
        Assert.Equal(1000, result.Json.GetProperty("images").GetInt32());
        Assert.True(result.Json.GetProperty("accuracy").GetDouble() > 0.85, result.ToString());
    }

    [Fact]
    public async Task ModelMetadata_comes_from_the_ONNX_graph()
    {
        using var channel = Channel();
        var metadata = (await channel.UnaryAsync(ClientMethods.ModelMetadata, new ModelMetadataRequest { Name = "fashion_cnn" }, new CallOptions())).Response;
        Assert.Equal("fashion_cnn", metadata.Name);
        Assert.Equal("onnxruntime_onnx", metadata.Platform);
        Assert.Equal(["1"], metadata.Versions);
        var input = Assert.Single(metadata.Inputs);
        Assert.Equal(("input", "FP32"), (input.Name, input.Datatype));
        Assert.Equal([-1L, 1, 28, 28], input.Shape);
        var output = Assert.Single(metadata.Outputs);
        Assert.Equal(("logits", "FP32"), (output.Name, output.Datatype));
        Assert.Equal([-1L, 10], output.Shape);
    }

    [Fact]
    public async Task ModelReady_and_ServerReady_reflect_the_loaded_models()
    {
        using var channel = Channel();
        Assert.True((await channel.UnaryAsync(ClientMethods.ModelReady, new ModelReadyRequest { Name = "fashion_cnn" }, new CallOptions())).Response.Ready);
        Assert.True((await channel.UnaryAsync(ClientMethods.ModelReady, new ModelReadyRequest { Name = "fashion_cnn", Version = "1" }, new CallOptions())).Response.Ready);
        Assert.False((await channel.UnaryAsync(ClientMethods.ModelReady, new ModelReadyRequest { Name = "fashion_cnn", Version = "7" }, new CallOptions())).Response.Ready);
        Assert.True((await channel.UnaryAsync(ClientMethods.ServerReady, new ServerReadyRequest(), new CallOptions())).Response.Ready);
    }

    [Fact]
    public async Task Typed_fp32_contents_give_the_same_logits_as_raw_bytes()
    {
        using var channel = Channel();
        var images = EvalImages(3);
        var raw = await InferAsync(channel, FashionRequest("fashion_raw", images, 3));
        var typed = new ModelInferRequest { ModelName = "fashion_raw" };
        var tensor = Requests.Tensor("input", "FP32", 3, 1, 28, 28);
        tensor.Contents = new InferTensorContents();
        tensor.Contents.Fp32Contents.AddRange(images);
        typed.Inputs.Add(tensor);
        var viaTyped = await InferAsync(channel, typed);
        Assert.Equal(Logits(raw), Logits(viaTyped));
        Assert.Equal([3L, 10], raw.Outputs[0].Shape);
    }

    [Fact]
    public async Task The_response_names_the_model_version_and_echoes_the_id()
    {
        using var channel = Channel();
        var request = FashionRequest("fashion_cnn", EvalImages(1), 1);
        request.Id = "req-42";
        var response = await InferAsync(channel, request);
        Assert.Equal(("fashion_cnn", "1", "req-42"), (response.ModelName, response.ModelVersion, response.Id));
    }

    [Theory]
    [InlineData("INT64", new long[] { 1, 1, 28, 28 }, "datatype INT64")]
    [InlineData("FP32", new long[] { 1, 28, 28 }, "expects [-1,1,28,28]")]
    [InlineData("FP32", new long[] { 1, 1, 28, 27 }, "expects [-1,1,28,28]")]
    [InlineData("FP32", new long[] { 300, 1, 28, 28 }, "Batch size 300 is outside 1..256")]
    public async Task The_host_refuses_requests_that_do_not_fit_the_model(string datatype, long[] shape, string expected)
    {
        using var channel = Channel();
        var elements = (int)shape.Aggregate(1L, (a, b) => a * b);
        var request = new ModelInferRequest { ModelName = "fashion_raw" };
        request.Inputs.Add(Requests.Tensor("input", datatype, shape));
        request.RawInputContents.Add(ByteString.CopyFrom(new byte[elements * (datatype == "INT64" ? 8 : 4)]));
        var ex = await Assert.ThrowsAsync<RpcException>(() => channel.UnaryAsync(ClientMethods.Infer, request, new CallOptions()));
        Assert.Equal(StatusCode.InvalidArgument, ex.StatusCode);
        Assert.Contains(expected, ex.Status.Message, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Unknown_input_names_and_outputs_are_refused_by_name()
    {
        using var channel = Channel();
        var wrongInput = FashionRequest("fashion_raw", EvalImages(1), 1);
        wrongInput.Inputs[0].Name = "image";
        var ex = await Assert.ThrowsAsync<RpcException>(() => channel.UnaryAsync(ClientMethods.Infer, wrongInput, new CallOptions()));
        Assert.Equal(StatusCode.InvalidArgument, ex.StatusCode);
        Assert.Contains("no input 'image'", ex.Status.Message, StringComparison.Ordinal);

        var wrongOutput = FashionRequest("fashion_raw", EvalImages(1), 1);
        wrongOutput.Outputs.Add(new ModelInferRequest.Types.InferRequestedOutputTensor { Name = "probabilities" });
        ex = await Assert.ThrowsAsync<RpcException>(() => channel.UnaryAsync(ClientMethods.Infer, wrongOutput, new CallOptions()));
        Assert.Equal(StatusCode.InvalidArgument, ex.StatusCode);
        Assert.Contains("no output 'probabilities'", ex.Status.Message, StringComparison.Ordinal);
    }

    [Fact]
    public async Task With_a_policy_the_validation_guard_blocks_first_using_the_hosts_metadata()
    {
        using var channel = Channel();
        var request = FashionRequest("fashion_cnn", EvalImages(1), 1);
        request.Inputs[0].Shape[3] = 27;
        request.RawInputContents[0] = ByteString.CopyFrom(new byte[28 * 27 * 4]);
        var ex = await Assert.ThrowsAsync<RpcException>(() => channel.UnaryAsync(ClientMethods.Infer, request, new CallOptions()));
        Assert.Equal(StatusCode.InvalidArgument, ex.StatusCode);
        var metrics = await Guard.MetricsAsync();
        Assert.Contains("guard_blocked_total{model=\"fashion_cnn\",stage=\"validation\",code=\"INVALID_ARGUMENT\"}", metrics, StringComparison.Ordinal);

        // NaN never reaches the model either.
        var nan = FashionRequest("fashion_cnn", [.. EvalImages(1)[..783], float.NaN], 1);
        ex = await Assert.ThrowsAsync<RpcException>(() => channel.UnaryAsync(ClientMethods.Infer, nan, new CallOptions()));
        Assert.Equal(StatusCode.InvalidArgument, ex.StatusCode);
    }

    [Fact]
    public async Task Unknown_models_and_versions_are_NOT_FOUND()
    {
        using var channel = Channel();
        var ex = await Assert.ThrowsAsync<RpcException>(() => channel.UnaryAsync(ClientMethods.Infer, FashionRequest("no_such_model", EvalImages(1), 1), new CallOptions()));
        Assert.Equal(StatusCode.NotFound, ex.StatusCode);
        var versioned = FashionRequest("fashion_raw", EvalImages(1), 1);
        versioned.ModelVersion = "9";
        ex = await Assert.ThrowsAsync<RpcException>(() => channel.UnaryAsync(ClientMethods.Infer, versioned, new CallOptions()));
        Assert.Equal(StatusCode.NotFound, ex.StatusCode);
        Assert.Contains("no version 9", ex.Status.Message, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Concurrent_single_image_requests_are_batched_and_each_gets_its_own_logits()
    {
        using var channel = Channel();
        var images = EvalImages(64);
        var reference = DemoSet.ReferenceLogits("fashion_cnn");
        var before = BatchCounts(await Guard.MetricsAsync(), "fashion_cnn");
        var calls = Enumerable.Range(0, 64).Select(i => InferAsync(channel, FashionRequest("fashion_cnn", images[(i * DemoSet.ImageSize)..((i + 1) * DemoSet.ImageSize)], 1))).ToArray();
        var responses = await Task.WhenAll(calls);
        for (var i = 0; i < 64; i++)
        {
            var logits = Logits(responses[i]);
            for (var c = 0; c < 10; c++)
            {
                Assert.True(Math.Abs(logits[c] - reference[(i * 10) + c]) <= 1e-4, $"image {i} class {c}: {logits[c]} vs {reference[(i * 10) + c]}");
            }
        }

        var after = BatchCounts(await Guard.MetricsAsync(), "fashion_cnn");
        Assert.Equal(64, after.Requests - before.Requests);
        Assert.True(after.Runs - before.Runs < 64, $"64 concurrent requests took {after.Runs - before.Runs} Runs: nothing was batched");
    }

    private GrpcChannel Channel() => new(Guard.GrpcUri, new GrpcChannelOptions());

    private static async Task<ModelInferResponse> InferAsync(GrpcChannel channel, ModelInferRequest request) =>
        (await channel.UnaryAsync(ClientMethods.Infer, request, new CallOptions(Deadline: DateTime.UtcNow.AddSeconds(60)))).Response;

    internal static ModelInferRequest FashionRequest(string model, float[] pixels, int batch)
    {
        var request = new ModelInferRequest { ModelName = model };
        request.Inputs.Add(Requests.Tensor("input", "FP32", batch, 1, 28, 28));
        request.RawInputContents.Add(ByteString.CopyFrom(MemoryMarshal.AsBytes(pixels.AsSpan())));
        return request;
    }

    /// <summary>A copy of the first <paramref name="count"/> evaluation images, back to back.</summary>
    internal static float[] EvalImages(int count) => DemoSet.Pixels.AsSpan(0, count * DemoSet.ImageSize).ToArray();

    private static float[] Logits(ModelInferResponse response) => MemoryMarshal.Cast<byte, float>(response.RawOutputContents[0].Span).ToArray();

    /// <summary>Requests seen and Runs made by the model's batcher, from guard_model_batch_requests.</summary>
    internal static (double Requests, double Runs) BatchCounts(string metrics, string model)
    {
        double Read(string series) => metrics.Split('\n')
            .Where(l => l.StartsWith(series + "{model=\"" + model + "\"}", StringComparison.Ordinal))
            .Select(l => double.Parse(l[(l.LastIndexOf(' ') + 1)..], CultureInfo.InvariantCulture))
            .FirstOrDefault();
        return (Read("guard_model_batch_requests_sum"), Read("guard_model_batch_requests_count"));
    }
}
