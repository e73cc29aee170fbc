using Guard.TestSupport;
using Guard.ModelHost.Tests.Support;
using Guard.OnnxRuntime;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Logging.Abstractions;
using Xunit.Abstractions;

namespace Guard.ModelHost.Tests;

/// <summary>
/// A model that asks for CUDA or TensorRT: served on it where the provider loads (see <see cref="GpuProviderHost"/>);
/// elsewhere start-up fails with ORT's reason, or the model falls back to CPU when its config allows it.
/// </summary>
[Collection(OrtTests.Name)]
public sealed class ExecutionProviderTests(OrtFixture ort, ITestOutputHelper output)
{
    [Theory]
    [InlineData("cuda")]
    [InlineData("tensorrt")]
    public async Task Provider_without_fallback_serves_on_it_where_it_loads_else_start_up_fails_with_ORT_reason(string kind)
    {
        using var repo = new TestRepository()
            .AddDemo("good")
            .AddDemo("gpu", config: $"executionProvider:\n  kind: {kind}\nthreads:\n  intraOp: 1\n");

        if (GpuProviderHost.CanLoad(ort.LibraryPath, kind, out var why))
        {
            output.WriteLine($"{kind}: {why}; expecting the model to run on it");
            await using var host = ort.Load(repo);
            var model = host.Resolve("gpu", "");
            Assert.Equal(new ExecutionProviderChoice(kind, kind, null), model.ExecutionProvider);
            await AssertServes(model, 1e-2f);
            return;
        }

        var reason = OrtReason(kind);
        output.WriteLine($"{kind} cannot load here ({why}); ORT: {reason}");

        var error = Assert.Throws<ExecutionProviderUnavailableException>(() => ort.Load(repo));

        Assert.Contains(reason, error.Message, StringComparison.Ordinal);
        Assert.Contains("fallbackToCpu", error.Message, StringComparison.Ordinal);
        Assert.Contains("'gpu'", error.Message, StringComparison.Ordinal);
        Assert.Contains(kind, error.Message, StringComparison.Ordinal);
        Assert.Contains("libonnxruntime_providers_", reason, StringComparison.Ordinal);
    }

    [Theory]
    [InlineData("cuda")]
    [InlineData("tensorrt")]
    public async Task Provider_with_fallback_serves_on_it_where_it_loads_else_on_CPU_with_ORT_reason(string kind)
    {
        using var repo = new TestRepository()
            .AddDemo("gpu", config: $"executionProvider:\n  kind: {kind}\n  fallbackToCpu: true\nthreads:\n  intraOp: 1\n");
        var logger = new ListLogger();

        await using var host = ort.Load(repo.Root, null, logger);
        var model = host.Resolve("gpu", "");

        Assert.Empty(host.Failures);
        Assert.Equal(kind, model.ExecutionProvider.Requested);
        if (GpuProviderHost.CanLoad(ort.LibraryPath, kind, out var why))
        {
            output.WriteLine($"{kind}: {why}; expecting the model to run on it");
            Assert.Equal(kind, model.ExecutionProvider.Actual);
            Assert.False(model.ExecutionProvider.FellBack);
            await AssertServes(model, 1e-2f);
            return;
        }

        var reason = OrtReason(kind);
        Assert.Equal("cpu", model.ExecutionProvider.Actual);
        Assert.True(model.ExecutionProvider.FellBack);
        Assert.Contains(reason, model.ExecutionProvider.FallbackReason, StringComparison.Ordinal);
        Assert.Contains(logger.Entries, e => e.Level == LogLevel.Warning && e.Message.Contains(reason, StringComparison.Ordinal) && e.Message.Contains(kind, StringComparison.Ordinal));
        await AssertServes(model, 1e-4f);
    }

    [Fact]
    public async Task Bad_model_on_a_GPU_provider_is_the_model_failure_not_a_provider_failure()
    {
        using var repo = new TestRepository()
            .Add("bad", TestModels.UnsupportedOperator(), config: "executionProvider:\n  kind: cuda\nthreads:\n  intraOp: 1\n")
            .AddDemo("good");
        var ortMessage = ort.OrtLoadError(repo.ModelPath("bad"));

        await using var host = ort.Load(repo.Root, null, NullLogger.Instance);

        var failure = Assert.Single(host.Failures);
        Assert.Equal("bad", failure.Model);
        if (!GpuProviderHost.CanLoad(ort.LibraryPath, "cuda", out _))
        {
            // Without CUDA the CPU session's own error is the one recorded.
            Assert.Contains(ortMessage, failure.Reason, StringComparison.Ordinal);
        }
        Assert.Equal(InferenceErrorKind.Unavailable, Assert.Throws<InferenceException>(() => host.Resolve("bad", "")).Kind);
        Assert.True(host.IsReady("good", ""));
    }

    /// <summary>ORT's own reason for not appending <paramref name="kind"/>, from options the test makes itself.</summary>
    private string OrtReason(string kind)
    {
        using var options = ort.Options();
        var error = Assert.Throws<OnnxRuntimeException>(() =>
        {
            if (kind == "cuda")
            {
                options.AppendCudaProvider(0);
            }
            else
            {
                options.AppendTensorRtProvider(0);
            }
        });
        Assert.False(string.IsNullOrWhiteSpace(error.OrtMessage));
        return error.OrtMessage;
    }

    private static async Task AssertServes(HostedModel model, float tolerance)
    {
        var response = await model.InferAsync(DemoData.Request(0, 4), CancellationToken.None);
        var logits = TestModels.ToFloats(response.Outputs[0].Data);
        Assert.Equal(4 * DemoSet.Classes, logits.Length);
        for (var k = 0; k < logits.Length; k++)
        {
            Assert.True(Math.Abs(logits[k] - DemoSet.ReferenceLogits(DemoData.Model)[k]) <= tolerance, $"logit {k}: {logits[k]}, reference {DemoSet.ReferenceLogits(DemoData.Model)[k]}");
        }
    }
}
