using Guard.Guards.Model;
using Guard.Guards.Pipeline;
using Guard.Guards.Validation;
using static Guard.Guards.Tests.Support.Requests;

namespace Guard.Guards.Tests.Validation;

/// <summary>The hot path stays allocation-light: validating a good request allocates nothing.</summary>
public sealed class AllocationTests
{
    [Fact]
    public async Task Validating_a_valid_request_allocates_nothing()
    {
        var values = new float[1024];
        var request = Request(Input("INPUT0", "FP32", 1, 1024), Input("TEXT", "BYTES", 2)).WithRaw(Floats(values), BytesElements("a", "b"));
        var signature = Signature(new TensorSpec("INPUT0", "FP32", [-1, 1024]), new TensorSpec("TEXT", "BYTES", [-1]));
        var context = Context(request, signature);
        var guard = new RequestValidationGuard(new RequestValidationOptions { RejectNonFinite = true, MinValue = -1, MaxValue = 1 });
        await guard.InspectAsync(context, CancellationToken.None);

        long before = GC.GetAllocatedBytesForCurrentThread();
        var pending = guard.InspectAsync(context, CancellationToken.None);
        long allocated = GC.GetAllocatedBytesForCurrentThread() - before;

        Assert.Same(GuardVerdict.Allow, await pending);
        Assert.Equal(0, allocated);
    }

    [Fact]
    public async Task A_synchronous_pipeline_allocates_only_its_timings_and_result()
    {
        var guard = new RequestValidationGuard(new RequestValidationOptions());
        var pipeline = new GuardPipeline("simple", [guard, guard, guard]);
        var context = Context(Request(Input("A", "UINT8", 4)).WithRaw(new byte[4]));
        await pipeline.RunAsync(context, observer: null, CancellationToken.None);

        long before = GC.GetAllocatedBytesForCurrentThread();
        var pending = pipeline.RunAsync(context, observer: null, CancellationToken.None);
        long allocated = GC.GetAllocatedBytesForCurrentThread() - before;

        Assert.Equal(3, (await pending).Timings.Count);
        // StageTiming[3] (24 + 3 * 24 bytes) and the PipelineResult (48 bytes), with headers.
        Assert.InRange(allocated, 1, 200);
    }
}
