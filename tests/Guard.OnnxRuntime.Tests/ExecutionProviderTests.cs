using Guard.OnnxRuntime.Tests.Support;
using Xunit.Abstractions;

using Guard.TestSupport;

namespace Guard.OnnxRuntime.Tests;

/// <summary>
/// The CUDA and TensorRT providers: on a machine where they can load (see <see cref="GpuProviderHost"/>) they must
/// run the demo model; elsewhere appending them must fail with ORT's own reason and leave the options usable.
/// </summary>
[Collection(OrtTests.Name)]
public sealed class ExecutionProviderTests(OrtFixture ort, ITestOutputHelper output)
{
    private const string Cuda = "cuda";
    private const string TensorRt = "tensorrt";
    private const int Images = 100;

    [Fact]
    public void Available_providers_include_the_CPU_provider()
    {
        var providers = ort.Library.GetAvailableProviders();
        output.WriteLine("available: " + string.Join(", ", providers));

        Assert.Contains("CPUExecutionProvider", providers);
        Assert.All(providers, p => Assert.EndsWith("ExecutionProvider", p, StringComparison.Ordinal));
        Assert.Equal(providers, ort.Library.GetAvailableProviders());
    }

    [Theory]
    [InlineData(Cuda)]
    [InlineData(TensorRt)]
    public void Gpu_provider_runs_the_demo_model_where_it_loads_else_throws_ORT_reason(string provider)
    {
        using var options = ort.Options();
        if (GpuProviderHost.CanLoad(ort.LibraryPath, provider, out var reason))
        {
            output.WriteLine($"{provider}: {reason}; expecting it to run");
            Append(options, provider);
            using var session = new InferenceSession(ort.Environment, DemoSet.ModelPath("fashion_cnn"), options);
            AssertMatchesReference(session);
            return;
        }

        var error = Assert.Throws<OnnxRuntimeException>(() => Append(options, provider));

        output.WriteLine($"{provider} cannot load here ({reason}); ORT {error.ErrorCode}: {error.OrtMessage}");
        Assert.NotEqual(OrtErrorCode.Ok, error.ErrorCode);
        Assert.False(string.IsNullOrWhiteSpace(error.OrtMessage));
        AssertGivesAProviderReason(provider, error.OrtMessage);
        AssertStillRunsOnCpu(options);
    }

    [Fact]
    public void Cuda_options_are_applied_where_the_provider_loads_else_ORT_reason()
    {
        using var options = ort.Options();
        var cudaOptions = new Dictionary<string, string>
        {
            ["gpu_mem_limit"] = (1L << 30).ToString(System.Globalization.CultureInfo.InvariantCulture),
            ["arena_extend_strategy"] = "kSameAsRequested",
            ["cudnn_conv_algo_search"] = "HEURISTIC",
        };
        if (GpuProviderHost.CanLoad(ort.LibraryPath, Cuda, out _))
        {
            options.AppendCudaProvider(0, cudaOptions);
            using var session = new InferenceSession(ort.Environment, DemoSet.ModelPath("fashion_cnn"), options);
            AssertMatchesReference(session);
            return;
        }

        var error = Assert.Throws<OnnxRuntimeException>(() => options.AppendCudaProvider(0, cudaOptions));

        AssertGivesAProviderReason(Cuda, error.OrtMessage);
    }

    [Theory]
    [InlineData(Cuda)]
    [InlineData(TensorRt)]
    public void Device_id_among_the_options_is_rejected_before_ORT(string provider)
    {
        using var options = ort.Options();

        var error = Assert.Throws<ArgumentException>(
            () => Append(options, provider, new Dictionary<string, string> { ["device_id"] = "0" }));

        Assert.Equal("options", error.ParamName);
        AssertStillRunsOnCpu(options);
    }

    [Theory]
    [InlineData(Cuda)]
    [InlineData(TensorRt)]
    public void Unknown_option_throws_ORT_error_instead_of_crashing(string provider)
    {
        using var options = ort.Options();

        var error = Assert.Throws<OnnxRuntimeException>(
            () => Append(options, provider, new Dictionary<string, string> { ["no_such_option"] = "1" }));

        output.WriteLine($"{provider} with no_such_option: ORT {error.ErrorCode}: {error.OrtMessage}");
        Assert.False(string.IsNullOrWhiteSpace(error.OrtMessage));
        AssertStillRunsOnCpu(options);
    }

    [Fact]
    public void Negative_device_id_is_rejected()
    {
        using var options = ort.Options();

        Assert.Throws<ArgumentOutOfRangeException>(() => options.AppendCudaProvider(-1));
        Assert.Throws<ArgumentOutOfRangeException>(() => options.AppendTensorRtProvider(-1));
    }

    [Fact]
    public void Appending_to_disposed_options_throws_ObjectDisposedException()
    {
        var options = ort.Options();
        options.Dispose();

        Assert.Throws<ObjectDisposedException>(() => options.AppendCudaProvider());
        Assert.Throws<ObjectDisposedException>(() => options.AppendTensorRtProvider());
    }

    [Fact]
    public void Repeated_failed_appends_leave_the_options_usable()
    {
        using var options = ort.Options();
        var extra = new Dictionary<string, string> { ["gpu_mem_limit"] = "1048576", ["no_such_option"] = "x" };
        for (var i = 0; i < 200; i++)
        {
            Assert.Throws<OnnxRuntimeException>(() => options.AppendCudaProvider(0, extra));
            Assert.Throws<OnnxRuntimeException>(() => options.AppendTensorRtProvider(0, extra));
        }

        AssertStillRunsOnCpu(options);
    }

    private static void Append(SessionOptions options, string provider, IReadOnlyDictionary<string, string>? extra = null)
    {
        if (provider == Cuda)
        {
            options.AppendCudaProvider(0, extra);
        }
        else
        {
            options.AppendTensorRtProvider(0, extra);
        }
    }

    /// <summary>
    /// ORT's reason names a provider library it could not load (the shared bridge
    /// <c>libonnxruntime_providers_shared.so</c> comes first, then <c>libonnxruntime_providers_{provider}.so</c>),
    /// or CUDA or the provider itself (a library loaded but found no device).
    /// </summary>
    private static void AssertGivesAProviderReason(string provider, string message)
    {
        string[] names = ["libonnxruntime_providers_", "cuda", provider];
        Assert.True(
            names.Any(name => message.Contains(name, StringComparison.OrdinalIgnoreCase)),
            $"ORT's reason names neither a provider library, CUDA nor {provider}: {message}");
    }

    private void AssertStillRunsOnCpu(SessionOptions options)
    {
        using var session = new InferenceSession(ort.Environment, TestModels.Add(), options);
        using var a = OrtTensor.Create(ort.Library, [1f, 2, 3, 4], 1, 4);
        using var outputs = session.Run(["a", "b"], [a, a]);
        Assert.Equal([2f, 4, 6, 8], outputs[0].ToArray<float>());
    }

    /// <summary>The first images give PyTorch's classes, and logits close to its (GPU kernels may use TF32).</summary>
    private void AssertMatchesReference(InferenceSession session)
    {
        var (pixels, _) = (DemoSet.Pixels, DemoSet.Labels);
        var reference = DemoSet.ReferenceLogits("fashion_cnn");
        using var input = OrtTensor.Create(ort.Library, pixels.AsMemory(0, Images * DemoSet.ImageSize), [Images, 1, 28, 28]);
        using var outputs = session.Run(["input"], [input]);
        var logits = outputs["logits"].ToArray<float>();
        var worst = 0f;
        for (var i = 0; i < Images; i++)
        {
            var row = logits.AsSpan(i * DemoSet.Classes, DemoSet.Classes);
            var expected = reference.AsSpan(i * DemoSet.Classes, DemoSet.Classes);
            Assert.Equal(DemoSet.ArgMax(expected), DemoSet.ArgMax(row));
            for (var k = 0; k < DemoSet.Classes; k++)
            {
                worst = Math.Max(worst, Math.Abs(row[k] - expected[k]));
            }
        }

        output.WriteLine($"largest difference from the reference logits: {worst}");
        Assert.True(worst <= 1e-2f, $"largest difference from the reference logits: {worst}");
    }
}
