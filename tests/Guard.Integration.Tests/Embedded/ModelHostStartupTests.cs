using System.Net;
using Guard.Gateway.Configuration;
using Guard.Gateway.Hosting;
using Guard.Integration.Tests.Infrastructure;
using Guard.Protocol.Inference;
using Guard.Rpc;
using Guard.Rpc.Client;

namespace Guard.Integration.Tests.Embedded;

/// <summary>
/// What Guard does at start with models that cannot serve: a corrupt or unsupported model is reported and answered
/// as unavailable while the others serve; a GPU provider that cannot load stops the start unless CPU fallback is allowed.
/// </summary>
public sealed class ModelHostStartupTests
{
    private const string Routes = """
        models:
          fashion_cnn: { upstream: embedded, policy: none }
          broken: { upstream: embedded, policy: none }
        """;

    [Fact]
    public async Task A_corrupt_model_is_unavailable_with_ORTs_reason_and_the_others_serve()
    {
        using var repository = new TempModelRepository().AddDemo("fashion_cnn").AddRaw("broken", "this is not an ONNX model"u8.ToArray());
        await using var guard = await GuardServer.StartAsync(repository.ModelHostYaml() + Routes);
        using var channel = new GrpcChannel(guard.GrpcUri, new GrpcChannelOptions());

        var ex = await Assert.ThrowsAsync<RpcException>(() => channel.UnaryAsync(
            ClientMethods.Infer, EmbeddedModelHostTests.FashionRequest("broken", EmbeddedModelHostTests.EvalImages(1), 1), new CallOptions()));
        Assert.Equal(StatusCode.Unavailable, ex.StatusCode);
        Assert.Contains("ONNX Runtime cannot load", ex.Status.Message, StringComparison.Ordinal);
        Assert.Contains("broken", ex.Status.Message, StringComparison.Ordinal);
        Assert.False((await channel.UnaryAsync(ClientMethods.ModelReady, new ModelReadyRequest { Name = "broken" }, new CallOptions())).Response.Ready);

        var ok = await channel.UnaryAsync(ClientMethods.Infer, EmbeddedModelHostTests.FashionRequest("fashion_cnn", EmbeddedModelHostTests.EvalImages(2), 2), new CallOptions());
        Assert.Equal([2L, 10], ok.Response.Outputs[0].Shape);

        // Guard is not ready while a routed model cannot serve, and says which one failed in its metrics.
        using var ready = await guard.Http.GetAsync(new Uri("/readyz", UriKind.Relative));
        Assert.Equal(HttpStatusCode.ServiceUnavailable, ready.StatusCode);
        var readiness = System.Text.Json.JsonDocument.Parse(await ready.Content.ReadAsStringAsync()).RootElement.GetProperty("embeddedModels");
        var broken = readiness.EnumerateArray().Single(m => m.GetProperty("name").GetString() == "broken");
        Assert.False(broken.GetProperty("ready").GetBoolean());
        Assert.Contains("ONNX Runtime cannot load", broken.GetProperty("error").GetString(), StringComparison.Ordinal);
        Assert.Equal("cpu", readiness.EnumerateArray().Single(m => m.GetProperty("name").GetString() == "fashion_cnn").GetProperty("provider").GetString());
        var metrics = await guard.MetricsAsync();
        Assert.Contains("guard_model_loaded{model=\"broken\",version=\"1\"} 0", metrics, StringComparison.Ordinal);
        Assert.Contains("guard_model_loaded{model=\"fashion_cnn\",version=\"1\"} 1", metrics, StringComparison.Ordinal);
    }

    [Fact]
    public async Task A_model_with_an_unknown_operator_is_unavailable_with_ORTs_reason()
    {
        using var repository = new TempModelRepository().AddDemo("fashion_cnn").AddRaw("broken", UnknownOperatorModel());
        await using var guard = await GuardServer.StartAsync(repository.ModelHostYaml() + Routes);
        using var channel = new GrpcChannel(guard.GrpcUri, new GrpcChannelOptions());
        var ex = await Assert.ThrowsAsync<RpcException>(() => channel.UnaryAsync(
            ClientMethods.Infer, EmbeddedModelHostTests.FashionRequest("broken", EmbeddedModelHostTests.EvalImages(1), 1), new CallOptions()));
        Assert.Equal(StatusCode.Unavailable, ex.StatusCode);
        Assert.Contains("NoSuchOperator", ex.Status.Message, StringComparison.Ordinal);
    }

    [Theory]
    [InlineData("cuda")]
    [InlineData("tensorrt")]
    public void A_GPU_provider_that_cannot_load_stops_the_start_with_ORTs_reason(string provider)
    {
        if (GpuProvidersPresent())
        {
            return; // On a machine where the provider loads there is no failure to show; the fallback test covers it.
        }

        using var repository = new TempModelRepository().AddDemo("fashion_cnn", config: $"executionProvider: {{ kind: {provider}, deviceId: 0 }}\n");
        var path = WriteConfig(repository.ModelHostYaml() + "models:\n  fashion_cnn: { upstream: embedded }\n");
        var ex = Assert.Throws<InvalidConfigurationException>(() => GuardHost.Build(new GuardHostSettings(path) { Overrides = FreePorts }));
        Assert.Contains($"asks for the {provider} execution provider", ex.Message, StringComparison.Ordinal);
        Assert.Contains("libonnxruntime_providers", ex.Message, StringComparison.Ordinal);
        Assert.Contains("fallbackToCpu", ex.Message, StringComparison.Ordinal);
    }

    [Fact]
    public async Task With_fallback_allowed_a_GPU_model_serves_on_CPU_and_says_so_in_metrics()
    {
        using var repository = new TempModelRepository().AddDemo("fashion_cnn", config: "executionProvider: { kind: cuda, deviceId: 0, fallbackToCpu: true }\n");
        await using var guard = await GuardServer.StartAsync(repository.ModelHostYaml() + "models:\n  fashion_cnn: { upstream: embedded }\n");
        var metrics = await guard.MetricsAsync();
        var actual = GpuProvidersPresent() ? "cuda" : "cpu";
        Assert.Contains($"guard_model_execution_provider{{model=\"fashion_cnn\",version=\"1\",requested=\"cuda\",provider=\"{actual}\"}} 1", metrics, StringComparison.Ordinal);

        using var channel = new GrpcChannel(guard.GrpcUri, new GrpcChannelOptions());
        var response = await channel.UnaryAsync(ClientMethods.Infer, EmbeddedModelHostTests.FashionRequest("fashion_cnn", EmbeddedModelHostTests.EvalImages(1), 1), new CallOptions());
        Assert.Equal([1L, 10], response.Response.Outputs[0].Shape);
    }

    [Fact]
    public void Routes_to_the_embedded_host_need_a_modelHost_section_and_a_model_folder()
    {
        var noHost = WriteConfig("models:\n  fashion_cnn: { upstream: embedded }\n");
        var ex = Assert.Throws<InvalidConfigurationException>(() => GuardHost.Build(new GuardHostSettings(noHost) { Overrides = FreePorts }));
        Assert.Contains("models.fashion_cnn.upstream: 'embedded' needs a modelHost section", ex.Message, StringComparison.Ordinal);

        using var repository = new TempModelRepository().AddDemo("fashion_cnn");
        var missing = WriteConfig(repository.ModelHostYaml() + "models:\n  resnet: { upstream: embedded }\n");
        ex = Assert.Throws<InvalidConfigurationException>(() => GuardHost.Build(new GuardHostSettings(missing) { Overrides = FreePorts }));
        Assert.Contains("has no model folder 'resnet'", ex.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void A_missing_ONNX_Runtime_library_is_a_start_error_naming_the_path()
    {
        using var repository = new TempModelRepository().AddDemo("fashion_cnn");
        var path = WriteConfig($"modelHost:\n  repository: {repository.Path}\n  onnxRuntimeLibrary: /nonexistent/libonnxruntime.so.1\nmodels:\n  fashion_cnn: {{ upstream: embedded }}\n");
        var ex = Assert.Throws<InvalidConfigurationException>(() => GuardHost.Build(new GuardHostSettings(path) { Overrides = FreePorts }));
        Assert.Contains("/nonexistent/libonnxruntime.so.1", ex.Message, StringComparison.Ordinal);
    }

    private static readonly Dictionary<string, string?> FreePorts = new()
    {
        ["listeners:grpc:address"] = "127.0.0.1:0",
        ["listeners:http:address"] = "127.0.0.1:0",
    };

    private static string WriteConfig(string yaml)
    {
        var path = Path.Combine(Directory.CreateTempSubdirectory("guard-mh-").FullName, "guard.yaml");
        File.WriteAllText(path, yaml);
        return path;
    }

    /// <summary>A GPU and ORT's provider libraries next to the ORT library: then CUDA really loads.</summary>
    private static bool GpuProvidersPresent() =>
        File.Exists("/dev/nvidiactl")
        && File.Exists(Path.Combine(Path.GetDirectoryName(TempModelRepository.OrtLibrary)!, "libonnxruntime_providers_cuda.so"));

    /// <summary>
    /// A valid ONNX model (opset 13) with one node of an operator ONNX does not define, written by hand in protobuf:
    /// ModelProto { ir_version 7, opset_import { "" 13 }, graph { node NoSuchOperator x→y, input x, output y } }.
    /// </summary>
    private static byte[] UnknownOperatorModel()
    {
        using var stream = new MemoryStream();
        var output = new Google.Protobuf.CodedOutputStream(stream);
        byte[] Message(Action<Google.Protobuf.CodedOutputStream> write)
        {
            using var inner = new MemoryStream();
            var o = new Google.Protobuf.CodedOutputStream(inner);
            write(o);
            o.Flush();
            return inner.ToArray();
        }

        byte[] ValueInfo(string name) => Message(v =>
        {
            v.WriteTag(1, Google.Protobuf.WireFormat.WireType.LengthDelimited);
            v.WriteString(name);
            v.WriteTag(2, Google.Protobuf.WireFormat.WireType.LengthDelimited); // TypeProto
            v.WriteBytes(Google.Protobuf.ByteString.CopyFrom(Message(t =>
            {
                t.WriteTag(1, Google.Protobuf.WireFormat.WireType.LengthDelimited); // tensor_type
                t.WriteBytes(Google.Protobuf.ByteString.CopyFrom(Message(tt =>
                {
                    tt.WriteTag(1, Google.Protobuf.WireFormat.WireType.Varint);
                    tt.WriteInt32(1); // FLOAT
                })));
            })));
        });

        var node = Message(n =>
        {
            n.WriteTag(1, Google.Protobuf.WireFormat.WireType.LengthDelimited);
            n.WriteString("x");
            n.WriteTag(2, Google.Protobuf.WireFormat.WireType.LengthDelimited);
            n.WriteString("y");
            n.WriteTag(4, Google.Protobuf.WireFormat.WireType.LengthDelimited);
            n.WriteString("NoSuchOperator");
        });
        var graph = Message(g =>
        {
            g.WriteTag(1, Google.Protobuf.WireFormat.WireType.LengthDelimited);
            g.WriteBytes(Google.Protobuf.ByteString.CopyFrom(node));
            g.WriteTag(2, Google.Protobuf.WireFormat.WireType.LengthDelimited);
            g.WriteString("g");
            g.WriteTag(11, Google.Protobuf.WireFormat.WireType.LengthDelimited);
            g.WriteBytes(Google.Protobuf.ByteString.CopyFrom(ValueInfo("x")));
            g.WriteTag(12, Google.Protobuf.WireFormat.WireType.LengthDelimited);
            g.WriteBytes(Google.Protobuf.ByteString.CopyFrom(ValueInfo("y")));
        });
        var opset = Message(o =>
        {
            o.WriteTag(1, Google.Protobuf.WireFormat.WireType.LengthDelimited);
            o.WriteString("");
            o.WriteTag(2, Google.Protobuf.WireFormat.WireType.Varint);
            o.WriteInt64(13);
        });
        output.WriteTag(1, Google.Protobuf.WireFormat.WireType.Varint);
        output.WriteInt64(7);
        output.WriteTag(7, Google.Protobuf.WireFormat.WireType.LengthDelimited);
        output.WriteBytes(Google.Protobuf.ByteString.CopyFrom(graph));
        output.WriteTag(8, Google.Protobuf.WireFormat.WireType.LengthDelimited);
        output.WriteBytes(Google.Protobuf.ByteString.CopyFrom(opset));
        output.Flush();
        return stream.ToArray();
    }
}
