using Guard.Guards.Pipeline;
using Guard.Guards.Tests.Support;

namespace Guard.Guards.Tests.Pipeline;

/// <summary>How the chain treats detections: flag and delay go on, the other actions stop it; every detection is kept.</summary>
public sealed class DetectionPipelineTests
{
    private static GuardContext NewContext() => Requests.Context(Requests.Request(Requests.Input("X", "FP32", 1)));

    private static GuardVerdict Detect(string guard, DetectionActionKind kind) => GuardVerdict.Detect(new Detection
    {
        Guard = guard,
        Score = 30,
        Threshold = 25,
        Action = new DetectionAction { Kind = kind },
        MatchedQueryIds = ["earlier"],
    });

    [Theory]
    [InlineData(DetectionActionKind.Flag)]
    [InlineData(DetectionActionKind.Delay)]
    public async Task Flag_and_delay_detections_let_the_chain_go_on_and_are_recorded(DetectionActionKind kind)
    {
        var context = NewContext();
        var pipeline = new GuardPipeline("simple", [DelegateGuard.Returning("fingerprint", Detect("fingerprint", kind)), DelegateGuard.Allowing("next")]);

        var result = await pipeline.RunAsync(context, observer: null, CancellationToken.None);

        Assert.Equal(["fingerprint", "next"], DelegateGuard.Ran(context));
        Assert.Same(GuardVerdict.Allow, result.Verdict);
        Assert.Null(result.BlockedBy);
        var detection = Assert.Single(context.Detections);
        Assert.Equal(("fingerprint", kind), (detection.Guard, detection.Action.Kind));
        Assert.Equal([VerdictKind.Detect, VerdictKind.Allow], result.Timings.Select(t => t.Outcome));
    }

    [Theory]
    [InlineData(DetectionActionKind.Reject)]
    [InlineData(DetectionActionKind.SilentReject)]
    [InlineData(DetectionActionKind.Ban)]
    public async Task Stopping_detections_end_the_chain_with_the_detection_as_verdict(DetectionActionKind kind)
    {
        var context = NewContext();
        var verdict = Detect("knn", kind);
        var pipeline = new GuardPipeline("simple", [DelegateGuard.Allowing("limits"), DelegateGuard.Returning("knn", verdict), DelegateGuard.Allowing("later")]);

        var result = await pipeline.RunAsync(context, observer: null, CancellationToken.None);

        Assert.Equal(["limits", "knn"], DelegateGuard.Ran(context));
        Assert.Same(verdict, result.Verdict);
        Assert.Equal("knn", result.BlockedBy);
        Assert.Single(context.Detections);
    }

    [Fact]
    public async Task A_flag_then_a_reject_keeps_both_detections_in_stage_order()
    {
        var context = NewContext();
        var pipeline = new GuardPipeline("simple",
            [DelegateGuard.Returning("fingerprint", Detect("fingerprint", DetectionActionKind.Flag)), DelegateGuard.Returning("knn", Detect("knn", DetectionActionKind.Reject))]);

        var result = await pipeline.RunAsync(context, observer: null, CancellationToken.None);

        Assert.Equal("knn", result.BlockedBy);
        Assert.Equal(["fingerprint", "knn"], context.Detections.Select(d => d.Guard));
    }

    [Fact]
    public void A_detect_verdict_needs_a_detection_and_describes_itself()
    {
        Assert.Throws<ArgumentNullException>(() => GuardVerdict.Detect(null!));
        Assert.Equal("Detect(knn: 30 vs 25, Ban)", Detect("knn", DetectionActionKind.Ban).ToString());
        Assert.True(new DetectionAction { Kind = DetectionActionKind.Delay }.LetsThrough);
        Assert.False(DetectionAction.Reject.LetsThrough);
    }
}
