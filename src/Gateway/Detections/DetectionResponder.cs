using System.Diagnostics;
using System.Runtime.InteropServices;
using Guard.AuditLog;
using Guard.Gateway.Metrics;
using Guard.Gateway.Runtime;
using Guard.Guards.Pipeline;
using Guard.Protocol.Inference;
using Guard.Rpc;
using Guard.State;
using Microsoft.Extensions.Logging;

namespace Guard.Gateway.Detections;

/// <summary>
/// Carries out what detecting stages decided: every detection is written to the blocked-query log (committed before
/// the client hears anything), then the request is refused, banned, answered with a decoy, delayed or let through.
/// Refusals all carry the same neutral message, so an attacker cannot tell which stage, or whether a ban, stopped it.
/// </summary>
public sealed partial class DetectionResponder(BlockedQueryLogHost log, State.StateStoreHost state, GatewayMetrics metrics, ILogger<DetectionResponder> logger)
{
    public const string RefusedMessage = "Request refused.";

    /// <summary>
    /// Acts on <paramref name="context"/>'s detections. Returns null when the request goes on (flag, delay: after the
    /// delay), or the decoy to answer with (silent reject); throws PERMISSION_DENIED for reject and ban.
    /// </summary>
    public async ValueTask<ModelInferResponse?> RespondAsync(ModelRoute route, GuardContext context, PipelineResult result, CancellationToken cancellationToken)
    {
        var stopping = result.Verdict.Kind == VerdictKind.Detect ? result.Verdict.Detection : null;
        var delay = TimeSpan.Zero;
        foreach (var detection in context.Detections)
        {
            var action = Taken(detection, stopping, route, context);
            metrics.Detections.WithLabels(context.Model, detection.Guard, BlockActionNames.ToName(action)).Inc();
            LogDetection(logger, context.Model, detection.Guard, detection.Score, detection.Threshold, BlockActionNames.ToName(action), context.ClientId, context.RequestId);
            await AppendAsync(context, detection, action, cancellationToken);
            if (detection.Action.Kind == DetectionActionKind.Delay && detection.Action.Delay > delay)
            {
                delay = detection.Action.Delay;
            }
        }

        if (stopping is null)
        {
            if (delay > TimeSpan.Zero)
            {
                await DelayAtLeastAsync(delay, cancellationToken);
            }

            return null;
        }

        switch (stopping.Action.Kind)
        {
            case DetectionActionKind.Ban:
                await BanAsync(context, stopping, cancellationToken);
                break;
            case DetectionActionKind.SilentReject when route.Decoys is { } decoys && context.Signature is { } signature:
                return decoys.Create(context.Request, signature);
        }

        throw new RpcException(StatusCode.PermissionDenied, RefusedMessage);
    }

    /// <summary>
    /// Waits no less than <paramref name="delay"/>. Timers on Linux run on the coarse monotonic clock and may fire a few
    /// milliseconds early; a configured delay is a floor the attacker must pay, so the remainder is waited out.
    /// </summary>
    internal static async Task DelayAtLeastAsync(TimeSpan delay, CancellationToken cancellationToken)
    {
        var started = Stopwatch.GetTimestamp();
        for (var remaining = delay; remaining > TimeSpan.Zero; remaining = delay - Stopwatch.GetElapsedTime(started))
        {
            // Rounded up to whole milliseconds so a sub-millisecond remainder does not spin.
            await Task.Delay(TimeSpan.FromMilliseconds(Math.Ceiling(remaining.TotalMilliseconds)), cancellationToken);
        }
    }

    /// <summary>The action as carried out: a silent reject without the model's outputs to imitate becomes a reject.</summary>
    private static BlockAction Taken(Detection detection, Detection? stopping, ModelRoute route, GuardContext context) => detection.Action.Kind switch
    {
        DetectionActionKind.SilentReject when ReferenceEquals(detection, stopping) && (route.Decoys is null || context.Signature is null) => BlockAction.Reject,
        DetectionActionKind.SilentReject => BlockAction.SilentReject,
        DetectionActionKind.Delay => BlockAction.Delay,
        DetectionActionKind.Ban => BlockAction.Ban,
        DetectionActionKind.Flag => BlockAction.Flag,
        _ => BlockAction.Reject,
    };

    private async Task BanAsync(GuardContext context, Detection detection, CancellationToken cancellationToken)
    {
        try
        {
            await state.Store.BanAsync(context.ClientId, detection.Action.BanFor, $"{detection.Guard} detection, request {context.RequestId}", cancellationToken);
            LogBanned(logger, context.ClientId, detection.Action.BanFor, detection.Guard);
        }
        catch (StateUnavailableException ex)
        {
            // The query is refused all the same; only the ban for later ones is lost.
            LogBanFailed(logger, context.ClientId, ex);
        }
    }

    private async Task AppendAsync(GuardContext context, Detection detection, BlockAction action, CancellationToken cancellationToken)
    {
        try
        {
            var (datatype, shape, bytes) = FirstInput(context);
            await log.Log.AppendAsync(new BlockedQuery
            {
                TimeUtc = DateTimeOffset.UtcNow,
                RequestId = context.RequestId,
                ClientId = context.ClientId,
                Model = context.Model,
                ModelVersion = context.Request.ModelVersion,
                Guard = detection.Guard,
                Score = detection.Score,
                Threshold = detection.Threshold,
                Action = action,
                MatchedQueryIds = detection.MatchedQueryIds,
                InputHash = InputHash.Compute(bytes.Span),
                Snapshot = datatype is null ? null : TensorSnapshotCodec.TryCreate(datatype, shape, bytes.Span),
            }, cancellationToken);
        }
        catch (Exception ex) when (ex is not OperationCanceledException)
        {
            // A log that cannot be written must not switch the defence off: the action is still carried out.
            metrics.BlockedQueryLogFailures.WithLabels(context.Model).Inc();
            LogAppendFailed(logger, context.Model, detection.Guard, context.RequestId, ex);
        }
    }

    /// <summary>The first input's datatype, shape and bytes (raw contents, or FP32 typed contents as bytes).</summary>
    private static (string? Datatype, long[] Shape, ReadOnlyMemory<byte> Bytes) FirstInput(GuardContext context)
    {
        var request = context.Request;
        if (request.Inputs.Count == 0)
        {
            return (null, [], ReadOnlyMemory<byte>.Empty);
        }

        var input = request.Inputs[0];
        if (request.RawInputContents.Count > 0)
        {
            return (input.Datatype, input.Shape, request.RawInputContents[0]);
        }

        var contents = context.Message.Inputs[0].Contents;
        return contents is { Fp32Contents.Count: > 0 }
            ? (input.Datatype, input.Shape, MemoryMarshal.AsBytes(contents.Fp32Contents.ToArray().AsSpan()).ToArray())
            : (null, input.Shape, request.RawMessage);
    }

    [LoggerMessage(Level = LogLevel.Warning, Message = "Detection on {Model} by {Stage}: score {Score} vs threshold {Threshold}, action {Action} (client {Client}, request {RequestId})")]
    private static partial void LogDetection(ILogger logger, string model, string stage, double score, double threshold, string action, string client, string requestId);

    [LoggerMessage(Level = LogLevel.Warning, Message = "Banned {Client} for {Duration} after a {Stage} detection")]
    private static partial void LogBanned(ILogger logger, string client, TimeSpan duration, string stage);

    [LoggerMessage(Level = LogLevel.Error, Message = "Could not ban {Client}: the state store is unavailable")]
    private static partial void LogBanFailed(ILogger logger, string client, Exception exception);

    [LoggerMessage(Level = LogLevel.Error, Message = "Could not write the {Stage} detection of request {RequestId} on {Model} to the blocked-query log")]
    private static partial void LogAppendFailed(ILogger logger, string model, string stage, string requestId, Exception exception);
}
