using Guard.Guards.Pipeline;
using Guard.Guards.Tests.Support;
using Guard.Protocol.Inference;
using Guard.Rpc;

namespace Guard.Guards.Tests.Pipeline;

public sealed class GuardPipelineTests
{
    private static GuardContext NewContext() => Requests.Context(Requests.Request(Requests.Input("X", "FP32", 1)));

    [Fact]
    public async Task Guards_run_in_order_and_the_request_is_allowed()
    {
        var context = NewContext();
        var pipeline = new GuardPipeline("simple", [DelegateGuard.Allowing("a"), DelegateGuard.Allowing("b"), DelegateGuard.Allowing("c")]);

        var result = await pipeline.RunAsync(context, observer: null, CancellationToken.None);

        Assert.Equal(["a", "b", "c"], DelegateGuard.Ran(context));
        Assert.Same(GuardVerdict.Allow, result.Verdict);
        Assert.Null(result.BlockedBy);
        Assert.Null(result.Fault);
        Assert.Equal(["a", "b", "c"], result.Timings.Select(t => t.Stage));
        Assert.All(result.Timings, t => Assert.Equal(VerdictKind.Allow, t.Outcome));
    }

    [Fact]
    public async Task A_block_stops_the_chain_and_names_the_guard()
    {
        var context = NewContext();
        var block = GuardVerdict.Block(StatusCode.PermissionDenied, "not for you");
        var pipeline = new GuardPipeline("simple", [DelegateGuard.Allowing("a"), DelegateGuard.Returning("b", block), DelegateGuard.Allowing("c")]);

        var result = await pipeline.RunAsync(context, observer: null, CancellationToken.None);

        Assert.Equal(["a", "b"], DelegateGuard.Ran(context));
        Assert.Same(block, result.Verdict);
        Assert.Equal("b", result.BlockedBy);
        Assert.Equal([VerdictKind.Allow, VerdictKind.Block], result.Timings.Select(t => t.Outcome));
    }

    [Fact]
    public async Task A_transform_is_what_the_next_guard_sees()
    {
        var context = NewContext();
        var original = context.RawMessage;
        string? seenByNext = null;
        bool transformedSeen = false;
        var rewrite = new DelegateGuard("rewrite", (ctx, _) =>
        {
            var replacement = ctx.Message.Clone();
            replacement.Id = "rewritten";
            replacement.Inputs[0].Name = "Y";
            return new ValueTask<GuardVerdict>(GuardVerdict.Transform(replacement));
        });
        var next = new DelegateGuard("next", (ctx, _) =>
        {
            seenByNext = $"{ctx.Request.Id}/{ctx.Request.Inputs[0].Name}/{ctx.Message.Id}/{ModelInferRequest.Parser.ParseFrom(ctx.RawMessage.Span).Id}";
            transformedSeen = ctx.IsTransformed;
            return new ValueTask<GuardVerdict>(GuardVerdict.Allow);
        });

        var result = await new GuardPipeline("simple", [rewrite, next]).RunAsync(context, observer: null, CancellationToken.None);

        Assert.Equal("rewritten/Y/rewritten/rewritten", seenByNext);
        Assert.True(transformedSeen);
        Assert.Equal(VerdictKind.Allow, result.Verdict.Kind);
        Assert.Equal([VerdictKind.Transform, VerdictKind.Allow], result.Timings.Select(t => t.Outcome));
        Assert.True(context.IsTransformed);
        Assert.False(original.Span.SequenceEqual(context.RawMessage.Span));
    }

    [Fact]
    public async Task A_guard_that_throws_blocks_with_Internal_and_keeps_the_exception()
    {
        var context = NewContext();
        var boom = new InvalidOperationException("secret detail");
        var failing = new DelegateGuard("scanner", (_, _) => throw boom);
        var pipeline = new GuardPipeline("simple", [DelegateGuard.Allowing("a"), failing, DelegateGuard.Allowing("c")]);

        var result = await pipeline.RunAsync(context, observer: null, CancellationToken.None);

        Assert.Equal(VerdictKind.Block, result.Verdict.Kind);
        Assert.Equal(StatusCode.Internal, result.Verdict.Code);
        Assert.Equal("guard 'scanner' failed", result.Verdict.Message);
        Assert.DoesNotContain("secret", result.Verdict.Message, StringComparison.Ordinal);
        Assert.Same(boom, result.Fault);
        Assert.Equal("scanner", result.BlockedBy);
        Assert.Equal(["a", "scanner"], DelegateGuard.Ran(context));
        Assert.Equal(VerdictKind.Block, result.Timings[^1].Outcome);
    }

    [Fact]
    public async Task A_guard_that_faults_asynchronously_blocks_with_Internal()
    {
        var context = NewContext();
        var boom = new TimeoutException("backend slow");
        var failing = new DelegateGuard("remote", async (_, _) =>
        {
            await Task.Yield();
            throw boom;
        });

        var result = await new GuardPipeline("simple", [DelegateGuard.Allowing("a"), failing, DelegateGuard.Allowing("c")])
            .RunAsync(context, observer: null, CancellationToken.None);

        Assert.Equal(StatusCode.Internal, result.Verdict.Code);
        Assert.Equal("guard 'remote' failed", result.Verdict.Message);
        Assert.Same(boom, result.Fault);
        Assert.Equal(["a", "remote"], DelegateGuard.Ran(context));
    }

    [Fact]
    public async Task A_guard_returning_null_is_a_failure()
    {
        var result = await new GuardPipeline("simple", [DelegateGuard.Returning("broken", null!)])
            .RunAsync(NewContext(), observer: null, CancellationToken.None);

        Assert.Equal(StatusCode.Internal, result.Verdict.Code);
        Assert.IsType<InvalidOperationException>(result.Fault);
    }

    [Fact]
    public async Task A_transform_that_cannot_be_applied_is_a_failure()
    {
        var invalid = Requests.Request(Requests.Input("X", "FP32", 1));
        // A shape deeper than the view accepts: the replacement cannot be forwarded.
        invalid.Inputs[0].Shape.AddRange(Enumerable.Repeat(1L, 100));

        var result = await new GuardPipeline("simple", [DelegateGuard.Returning("rewrite", GuardVerdict.Transform(invalid))])
            .RunAsync(NewContext(), observer: null, CancellationToken.None);

        Assert.Equal(StatusCode.Internal, result.Verdict.Code);
        Assert.IsType<Guard.Protocol.InvalidMessageException>(result.Fault);
    }

    [Fact]
    public async Task Cancellation_of_the_request_propagates_from_an_async_guard()
    {
        using var cts = new CancellationTokenSource();
        var waiting = new DelegateGuard("slow", async (_, ct) =>
        {
            await Task.Delay(Timeout.Infinite, ct);
            return GuardVerdict.Allow;
        });
        var run = new GuardPipeline("simple", [DelegateGuard.Allowing("a"), waiting]).RunAsync(NewContext(), observer: null, cts.Token).AsTask();

        await cts.CancelAsync();

        await Assert.ThrowsAnyAsync<OperationCanceledException>(() => run);
    }

    [Fact]
    public async Task Cancellation_of_the_request_propagates_from_a_synchronous_guard()
    {
        using var cts = new CancellationTokenSource();
        await cts.CancelAsync();
        var checking = new DelegateGuard("sync", (_, ct) =>
        {
            ct.ThrowIfCancellationRequested();
            return new ValueTask<GuardVerdict>(GuardVerdict.Allow);
        });

        await Assert.ThrowsAnyAsync<OperationCanceledException>(
            () => new GuardPipeline("simple", [checking]).RunAsync(NewContext(), observer: null, cts.Token).AsTask());
    }

    [Fact]
    public async Task A_guards_own_cancellation_is_a_failure_not_a_client_cancellation()
    {
        var timedOut = new DelegateGuard("remote", (_, _) => throw new TaskCanceledException("its own timeout"));

        var result = await new GuardPipeline("simple", [timedOut]).RunAsync(NewContext(), observer: null, CancellationToken.None);

        Assert.Equal(StatusCode.Internal, result.Verdict.Code);
        Assert.IsType<TaskCanceledException>(result.Fault);
    }

    [Fact]
    public async Task Each_stage_is_timed_and_reported_to_the_observer()
    {
        var observer = new RecordingObserver();
        var slow = new DelegateGuard("slow", async (_, ct) =>
        {
            await Task.Delay(30, ct);
            return GuardVerdict.Allow;
        });
        var block = DelegateGuard.Returning("deny", GuardVerdict.Block(StatusCode.PermissionDenied, "no"));

        var result = await new GuardPipeline("simple", [DelegateGuard.Allowing("fast"), slow, block, DelegateGuard.Allowing("never")])
            .RunAsync(NewContext(), observer, CancellationToken.None);

        Assert.Equal(["fast", "slow", "deny"], result.Timings.Select(t => t.Stage));
        Assert.Equal(result.Timings, observer.Stages.Select(s => s.Timing));
        Assert.All(observer.Stages, s => Assert.Equal("simple", s.Model));
        Assert.True(result.Timings[1].Elapsed >= TimeSpan.FromMilliseconds(20), $"slow stage took {result.Timings[1].Elapsed}");
        Assert.All(result.Timings, t => Assert.True(t.Elapsed >= TimeSpan.Zero));
        Assert.Equal(VerdictKind.Block, result.Timings[2].Outcome);
    }

    [Fact]
    public async Task Guards_that_complete_asynchronously_keep_the_same_semantics()
    {
        var context = NewContext();
        GuardVerdict After(GuardVerdict verdict) => verdict;
        var guards = new IGuard[]
        {
            new DelegateGuard("a", async (_, _) => { await Task.Yield(); return After(GuardVerdict.Allow); }),
            DelegateGuard.Allowing("b"),
            new DelegateGuard("c", async (_, _) => { await Task.Yield(); return After(GuardVerdict.Block(StatusCode.InvalidArgument, "bad")); }),
            DelegateGuard.Allowing("d"),
        };

        var result = await new GuardPipeline("simple", guards).RunAsync(context, observer: null, CancellationToken.None);

        Assert.Equal(["a", "b", "c"], DelegateGuard.Ran(context));
        Assert.Equal("c", result.BlockedBy);
        Assert.Equal("bad", result.Verdict.Message);
        Assert.Equal(3, result.Timings.Count);
    }

    [Fact]
    public async Task An_empty_pipeline_allows_without_allocating()
    {
        var pipeline = new GuardPipeline("simple", []);
        var context = NewContext();
        await pipeline.RunAsync(context, observer: null, CancellationToken.None);

        long before = GC.GetAllocatedBytesForCurrentThread();
        var pending = pipeline.RunAsync(context, observer: null, CancellationToken.None);
        long allocated = GC.GetAllocatedBytesForCurrentThread() - before;
        var result = await pending;

        Assert.Equal(0, allocated);
        Assert.True(pending.IsCompletedSuccessfully);
        Assert.Same(GuardVerdict.Allow, result.Verdict);
        Assert.Empty(result.Timings);
        Assert.Null(result.BlockedBy);
    }

    [Fact]
    public async Task Synchronous_guards_complete_the_pipeline_synchronously()
    {
        var pending = new GuardPipeline("simple", [DelegateGuard.Allowing("a"), DelegateGuard.Allowing("b")])
            .RunAsync(NewContext(), observer: null, CancellationToken.None);

        Assert.True(pending.IsCompletedSuccessfully);
        Assert.Equal(2, (await pending).Timings.Count);
    }

    [Fact]
    public void The_pipeline_exposes_its_model_and_guards()
    {
        var a = DelegateGuard.Allowing("a");
        var pipeline = new GuardPipeline("m", [a]);

        Assert.Equal("m", pipeline.Model);
        Assert.Same(a, Assert.Single(pipeline.Guards));
        Assert.Throws<ArgumentException>(() => new GuardPipeline("m", [a, null!]));
    }
}
