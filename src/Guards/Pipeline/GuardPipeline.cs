using System.Diagnostics;
using Guard.Rpc;

namespace Guard.Guards.Pipeline;

/// <summary>
/// A model's ordered chain of guards. Guards run one after another: a Block stops the chain, a
/// Transform replaces the request for the guards that follow, a Detect is recorded on the context and stops the
/// chain unless its action lets the request through (flag, delay), and a guard that fails blocks the
/// request with Internal (its exception is kept for logs, never sent to the client).
/// </summary>
public sealed class GuardPipeline
{
    private readonly IGuard[] _guards;
    // Read once so that a stage keeps one name in every metric and log line.
    private readonly string[] _names;

    public GuardPipeline(string model, IReadOnlyList<IGuard> guards)
    {
        ArgumentNullException.ThrowIfNull(model);
        ArgumentNullException.ThrowIfNull(guards);
        _guards = new IGuard[guards.Count];
        _names = new string[guards.Count];
        for (int i = 0; i < _guards.Length; i++)
        {
            _guards[i] = guards[i] ?? throw new ArgumentException($"guard {i} of model '{model}' is null", nameof(guards));
            _names[i] = _guards[i].Name;
        }

        Model = model;
    }

    public string Model { get; }

    public IReadOnlyList<IGuard> Guards => _guards;

    /// <summary>
    /// Runs the guards in order. Completes synchronously, without an async state machine, while the
    /// guards do. Throws <see cref="OperationCanceledException"/> when a guard is cancelled through
    /// <paramref name="cancellationToken"/>.
    /// </summary>
    public ValueTask<PipelineResult> RunAsync(GuardContext context, IPipelineObserver? observer, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(context);
        if (_guards.Length == 0)
        {
            return new ValueTask<PipelineResult>(PipelineResult.AllowedWithoutStages);
        }

        var timings = new StageTiming[_guards.Length];
        for (int index = 0; index < _guards.Length; index++)
        {
            long start = Stopwatch.GetTimestamp();
            var pending = Invoke(index, context, cancellationToken);
            if (!pending.IsCompleted)
            {
                return ContinueAsync(pending, index, start, context, observer, timings, cancellationToken);
            }

            GuardVerdict? verdict = null;
            Exception? fault = null;
            try
            {
                verdict = pending.Result;
            }
            catch (Exception ex) when (!IsCancellation(ex, cancellationToken))
            {
                fault = ex;
            }

            var final = CompleteStage(index, start, verdict, fault, context, observer, timings);
            if (final is not null)
            {
                return new ValueTask<PipelineResult>(final);
            }
        }

        return new ValueTask<PipelineResult>(new PipelineResult(GuardVerdict.Allow, blockedBy: null, timings, fault: null));
    }

    private async ValueTask<PipelineResult> ContinueAsync(
        ValueTask<GuardVerdict> pending,
        int index,
        long start,
        GuardContext context,
        IPipelineObserver? observer,
        StageTiming[] timings,
        CancellationToken cancellationToken)
    {
        while (true)
        {
            GuardVerdict? verdict = null;
            Exception? fault = null;
            try
            {
                verdict = await pending.ConfigureAwait(false);
            }
            catch (Exception ex) when (!IsCancellation(ex, cancellationToken))
            {
                fault = ex;
            }

            var final = CompleteStage(index, start, verdict, fault, context, observer, timings);
            if (final is not null)
            {
                return final;
            }

            if (++index == _guards.Length)
            {
                return new PipelineResult(GuardVerdict.Allow, blockedBy: null, timings, fault: null);
            }

            start = Stopwatch.GetTimestamp();
            pending = Invoke(index, context, cancellationToken);
        }
    }

    /// <summary>Starts a guard, turning a synchronous throw into a faulted task so both paths handle it alike.</summary>
    private ValueTask<GuardVerdict> Invoke(int index, GuardContext context, CancellationToken cancellationToken)
    {
        try
        {
            return _guards[index].InspectAsync(context, cancellationToken);
        }
        catch (Exception ex) when (!IsCancellation(ex, cancellationToken))
        {
            return ValueTask.FromException<GuardVerdict>(ex);
        }
    }

    /// <summary>Records a finished stage and applies its verdict; returns the final result when the chain stops here.</summary>
    private PipelineResult? CompleteStage(
        int index,
        long start,
        GuardVerdict? verdict,
        Exception? fault,
        GuardContext context,
        IPipelineObserver? observer,
        StageTiming[] timings)
    {
        if (fault is null && verdict is null)
        {
            fault = new InvalidOperationException($"guard '{_names[index]}' returned no verdict");
        }

        if (fault is null && verdict!.Kind == VerdictKind.Transform)
        {
            try
            {
                context.ApplyTransform(verdict.Replacement!);
            }
            catch (Exception ex)
            {
                fault = ex;
            }
        }

        if (fault is null && verdict!.Kind == VerdictKind.Detect)
        {
            context.AddDetection(verdict.Detection!);
        }

        var timing = new StageTiming(_names[index], Stopwatch.GetElapsedTime(start), fault is null ? verdict!.Kind : VerdictKind.Block);
        timings[index] = timing;
        observer?.OnStage(Model, timing);

        if (fault is not null)
        {
            var failed = GuardVerdict.Block(StatusCode.Internal, $"guard '{_names[index]}' failed");
            return new PipelineResult(failed, _names[index], Ran(timings, index), fault);
        }

        return verdict!.Kind == VerdictKind.Block || (verdict.Kind == VerdictKind.Detect && !verdict.Detection!.Action.LetsThrough)
            ? new PipelineResult(verdict, _names[index], Ran(timings, index), fault: null)
            : null;
    }

    /// <summary>The timings of the stages up to and including <paramref name="last"/>; copies only when the chain stopped early.</summary>
    private static StageTiming[] Ran(StageTiming[] timings, int last)
    {
        if (last == timings.Length - 1)
        {
            return timings;
        }

        Array.Resize(ref timings, last + 1);
        return timings;
    }

    /// <summary>
    /// Cancellation of this request propagates; an OperationCanceledException a guard raised for reasons
    /// of its own (say, its own timeout) is a guard failure like any other.
    /// </summary>
    private static bool IsCancellation(Exception exception, CancellationToken cancellationToken) =>
        exception is OperationCanceledException && cancellationToken.IsCancellationRequested;
}
