namespace Guard.Guards.Pipeline;

/// <summary>The outcome of running a request through a <see cref="GuardPipeline"/>.</summary>
public sealed class PipelineResult
{
    internal PipelineResult(GuardVerdict verdict, string? blockedBy, IReadOnlyList<StageTiming> timings, Exception? fault)
    {
        Verdict = verdict;
        BlockedBy = blockedBy;
        Timings = timings;
        Fault = fault;
    }

    /// <summary>The result of a pipeline with no guards; immutable, so shared.</summary>
    internal static PipelineResult AllowedWithoutStages { get; } = new(GuardVerdict.Allow, blockedBy: null, [], fault: null);

    /// <summary>
    /// Allow (possibly after transforms: see <see cref="GuardContext.IsTransformed"/>, and after flag or delay
    /// detections: see <see cref="GuardContext.Detections"/>), the first Block, or the first Detect whose action stops
    /// the request. Never Transform.
    /// </summary>
    public GuardVerdict Verdict { get; }

    /// <summary>Stage name of the guard that blocked or stopped it with a detection, or null when the request was allowed.</summary>
    public string? BlockedBy { get; }

    /// <summary>One entry per stage that ran, in order.</summary>
    public IReadOnlyList<StageTiming> Timings { get; }

    /// <summary>
    /// The exception of a guard that failed (its verdict is then an Internal block). For the gateway's
    /// logs only: it must not reach the client.
    /// </summary>
    public Exception? Fault { get; }
}
