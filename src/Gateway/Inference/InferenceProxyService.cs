using System.Diagnostics;
using Guard.Gateway.Embedded;
using Guard.Gateway.Forwarding;
using Guard.Gateway.Identity;
using Guard.Gateway.Metrics;
using Guard.Gateway.Runtime;
using Guard.Guards.Model;
using Guard.Guards.Pipeline;
using Guard.Protocol;
using Guard.Protocol.Inference;
using Guard.Rpc;
using Guard.Rpc.Server;
using Google.Protobuf;
using Microsoft.Extensions.Logging;

namespace Guard.Gateway.Inference;

/// <summary>
/// Guard's KServe v2 front door. Server-level calls describe Guard and its upstreams; model calls are routed
/// by model name and version, pass the model's policy pipeline (inference only) and go to an upstream with
/// their bytes untouched unless a guard rewrote them.
/// </summary>
public sealed partial class InferenceProxyService(
    GatewayState state,
    UpstreamForwarder forwarder,
    ModelSignatureCache signatures,
    GatewayMetrics metrics,
    PipelineMetricsObserver observer,
    Detections.DetectionResponder detections,
    ILoggerFactory loggerFactory)
{
    private readonly ILogger _logger = loggerFactory.CreateLogger<InferenceProxyService>();

    public void Register(GrpcServiceRegistry registry)
    {
        registry
            .AddUnary(InferenceService.ServerLive, (_, _) => Task.FromResult(new ServerLiveResponse { Live = true }))
            .AddUnary(InferenceService.ServerReady, (_, _) => Task.FromResult(new ServerReadyResponse { Ready = state.Current.IsReady }))
            .AddUnary(InferenceService.ServerMetadata, (_, _) => Task.FromResult(ServerMetadata()))
            .AddUnary(InferenceMethods.ModelReadyRaw, ModelReadyAsync)
            .AddUnary(InferenceMethods.ModelMetadataRaw, ModelMetadataAsync)
            .AddUnary(InferenceMethods.ModelInferRaw, ModelInferAsync)
            .AddDuplexStreaming(InferenceMethods.ModelStreamInferRaw, ModelStreamInferAsync);
    }

    private static ServerMetadataResponse ServerMetadata() => new()
    {
        Name = "guard",
        Version = typeof(InferenceProxyService).Assembly.GetName().Version?.ToString(3) ?? "0.0.0",
    };

    private Task<ReadOnlyMemory<byte>> ModelReadyAsync(ReadOnlyMemory<byte> request, ServerCallContext context) =>
        ObserveAsync("ModelReady", context, async observed =>
        {
            var snapshot = state.Current;
            observed.Client = snapshot.Identity.Resolve(context);
            var parsed = ParseSmall(ModelReadyRequest.Parser, request);
            var route = snapshot.Resolve(parsed.Name);
            if (route is null)
            {
                return new ModelReadyResponse { Ready = false }.ToByteArray();
            }

            observed.Model = route.Model;
            return route.BackendFor(parsed.Version) switch
            {
                EmbeddedBackend embedded => EmbeddedInference.Ready(embedded.Models, parsed).ToByteArray(),
                var backend => await ForwardAsync(Cluster(backend), InferenceMethods.ModelReadyRaw, request, context),
            };
        });

    private Task<ReadOnlyMemory<byte>> ModelMetadataAsync(ReadOnlyMemory<byte> request, ServerCallContext context) =>
        ObserveAsync("ModelMetadata", context, async observed =>
        {
            var snapshot = state.Current;
            observed.Client = snapshot.Identity.Resolve(context);
            var parsed = ParseSmall(ModelMetadataRequest.Parser, request);
            var route = snapshot.Resolve(parsed.Name) ?? throw UnknownModel(parsed.Name);
            observed.Model = route.Model;
            return route.BackendFor(parsed.Version) switch
            {
                EmbeddedBackend embedded => EmbeddedInference.Metadata(embedded.Models, parsed.Name, parsed.Version).ToByteArray(),
                var backend => await ForwardAsync(Cluster(backend), InferenceMethods.ModelMetadataRaw, request, context),
            };
        });

    private Task<ReadOnlyMemory<byte>> ModelInferAsync(ReadOnlyMemory<byte> request, ServerCallContext context) =>
        ObserveAsync("ModelInfer", context, async observed =>
        {
            var snapshot = state.Current;
            observed.Client = snapshot.Identity.Resolve(context);
            var view = ParseInferRequest(request);
            var route = snapshot.Resolve(view.ModelName) ?? throw UnknownModel(view.ModelName);
            observed.Model = route.Model;
            var backend = route.BackendFor(view.ModelVersion);
            var inspection = await InspectAsync(route, backend, view, request, context, observed.Client);
            if (inspection.Answer is { } decoy)
            {
                return Finish(route, decoy, inspection).ToByteArray();
            }

            var payload = inspection.Payload;
            if (inspection.Smoothing?.Fallback is { } fallback)
            {
                // Not certified at r_min: the fallback model answers (its route's backend, without its policy).
                (backend, payload) = Reroute(snapshot, fallback, payload);
            }

            var rewrites = route.Hardener is not null || inspection.Smoothing is not null;
            if (backend is EmbeddedBackend embedded)
            {
                var forwarded = ViewOf(payload, request, view);
                return rewrites
                    ? Finish(route, await EmbeddedInference.InferResponseAsync(embedded.Models, forwarded, context.CancellationToken), inspection).ToByteArray()
                    : await EmbeddedInference.InferAsync(embedded.Models, forwarded, context.CancellationToken);
            }

            var response = await ForwardAsync(Cluster(backend), InferenceMethods.ModelInferRaw, payload, context);
            return rewrites ? Finish(route, ParseResponse(response), inspection).ToByteArray() : response;
        });

    /// <summary>The request renamed to <paramref name="model"/>, and the backend that model is routed to.</summary>
    internal static (ModelBackend Backend, ReadOnlyMemory<byte> Payload) Reroute(GatewaySnapshot snapshot, string model, ReadOnlyMemory<byte> payload)
    {
        var route = snapshot.Resolve(model) ?? throw new RpcException(StatusCode.Unavailable, $"The fallback model '{model}' is not routed.");
        var renamed = ModelInferRequest.Parser.ParseFrom(payload.Span);
        renamed.ModelName = model;
        renamed.ModelVersion = "";
        return (route.BackendFor(""), renamed.ToByteArray());
    }

    /// <summary>The answer as the client gets it: the route's output hardening, then the smoothing stage's outputs.</summary>
    internal static ModelInferResponse Finish(ModelRoute route, ModelInferResponse response, Inspection inspection)
    {
        Harden(route, response);
        if (inspection.Smoothing is { } smoothing)
        {
            Smoothing.SmoothingOutputs.Append(response, smoothing.Results, smoothing.Options);
        }

        return response;
    }

    /// <summary>Applies the route's output hardening, if any, to <paramref name="response"/> and returns it.</summary>
    internal static ModelInferResponse Harden(ModelRoute route, ModelInferResponse response)
    {
        route.Hardener?.Apply(response);
        return response;
    }

    /// <summary>An upstream's answer, parsed to be hardened; one that does not parse is the upstream's fault.</summary>
    internal static ModelInferResponse ParseResponse(ReadOnlyMemory<byte> response)
    {
        try
        {
            return ModelInferResponse.Parser.ParseFrom(response.Span);
        }
        catch (InvalidProtocolBufferException ex)
        {
            throw new RpcException(StatusCode.Internal, $"The upstream's response could not be read: {ex.Message}");
        }
    }

    /// <summary>The view of what goes on: the client's own unless a guard rewrote the request.</summary>
    internal static InferRequestView ViewOf(ReadOnlyMemory<byte> payload, ReadOnlyMemory<byte> request, InferRequestView view) =>
        payload.Equals(request) ? view : ParseInferRequest(payload);

    internal static Upstreams.UpstreamCluster Cluster(ModelBackend backend) => ((UpstreamBackend)backend).Cluster;

    /// <summary>Counts and times one model call under its route's name, with the status it ends with.</summary>
    private async Task<ReadOnlyMemory<byte>> ObserveAsync(string method, ServerCallContext context, Func<ObservedCall, Task<ReadOnlyMemory<byte>>> call)
    {
        var started = Stopwatch.GetTimestamp();
        var observed = new ObservedCall();
        var code = StatusCode.OK;
        try
        {
            return await call(observed);
        }
        catch (Exception ex)
        {
            code = StatusFor(ex, context);
            if (code == StatusCode.Unauthenticated)
            {
                LogUnauthenticated(_logger, method, context.Peer, ((RpcException)ex).Status.Message);
            }
            throw;
        }
        finally
        {
            Observe(observed.Model, method, code, started);
        }
    }

    /// <summary>Sends the call on, passes the upstream's metadata back, and keeps its response buffer until our response is written.</summary>
    private async Task<ReadOnlyMemory<byte>> ForwardAsync(
        Upstreams.UpstreamCluster cluster, Method<ReadOnlyMemory<byte>, ReadOnlyMemory<byte>> method, ReadOnlyMemory<byte> request, ServerCallContext context)
    {
        var result = await forwarder.UnaryAsync(cluster, method, request, context);
        if (result.Buffers is { } buffers)
        {
            context.RegisterForDispose(buffers);
        }

        if (result.Headers.Count > 0)
        {
            await context.WriteResponseHeadersAsync(result.Headers);
        }

        context.ResponseTrailers.AddRange(result.Trailers);
        return result.Response;
    }

    /// <summary>
    /// Runs the model's pipeline and carries out its detections; returns the bytes to forward, or the answer to give
    /// instead (a silent reject's decoy), or throws the blocking status.
    /// </summary>
    internal async ValueTask<Inspection> InspectAsync(
        ModelRoute route, ModelBackend backend, InferRequestView view, ReadOnlyMemory<byte> request, ServerCallContext context, ClientIdentity client)
    {
        if (route.Pipeline.Guards.Count == 0)
        {
            return new Inspection(request, Answer: null, Smoothing: null);
        }

        var signature = route.UseModelMetadata ? await SignatureAsync(backend, view, context) : null;
        var guardContext = new GuardContext(view.ModelName, view, signature, client.Id);
        var result = await route.Pipeline.RunAsync(guardContext, observer, context.CancellationToken);
        if (result.Verdict.Kind == VerdictKind.Block)
        {
            var stage = result.BlockedBy ?? "unknown";
            metrics.Blocked.WithLabels(view.ModelName, stage, GatewayMetrics.CodeLabel(result.Verdict.Code)).Inc();
            if (result.Fault is { } fault)
            {
                LogGuardFault(_logger, stage, view.ModelName, fault);
            }
            else
            {
                LogBlocked(_logger, view.ModelName, stage, result.Verdict.Code, result.Verdict.Message, guardContext.ClientId);
            }

            foreach (var (key, value) in result.Verdict.Trailers)
            {
                context.ResponseTrailers.Add(key, value);
            }

            throw new RpcException(result.Verdict.Code, result.Verdict.Message);
        }

        if (guardContext.Detections.Count > 0)
        {
            if (result.BlockedBy is { } stage)
            {
                metrics.Blocked.WithLabels(view.ModelName, stage, GatewayMetrics.CodeLabel(StatusCode.PermissionDenied)).Inc();
            }

            if (await detections.RespondAsync(route, guardContext, result, context.CancellationToken) is { } decoy)
            {
                return new Inspection(ReadOnlyMemory<byte>.Empty, decoy, Smoothing: null);
            }
        }

        return new Inspection(guardContext.IsTransformed ? guardContext.RawMessage : request, Answer: null, SmoothingOf(route, guardContext));
    }

    private async ValueTask<ModelSignature?> SignatureAsync(ModelBackend backend, InferRequestView view, ServerCallContext context) => backend switch
    {
        EmbeddedBackend embedded => EmbeddedInference.Signature(embedded.Models, view.ModelName, view.ModelVersion),
        _ => await signatures.GetAsync(Cluster(backend), view.ModelName, view.ModelVersion, context),
    };

    private Task ModelStreamInferAsync(IAsyncStreamReader<ReadOnlyMemory<byte>> requests, IAsyncStreamWriter<ReadOnlyMemory<byte>> responses, ServerCallContext context) =>
        new StreamInferProxy(this, state.Current, requests, responses, context, loggerFactory.CreateLogger<StreamInferProxy>()).RunAsync();

    internal static InferRequestView ParseInferRequest(ReadOnlyMemory<byte> request)
    {
        try
        {
            return InferRequestView.Parse(request);
        }
        catch (InvalidMessageException ex)
        {
            throw new RpcException(StatusCode.InvalidArgument, ex.Message);
        }
    }

    internal static RpcException UnknownModel(string model) => model.Length == 0
        ? new RpcException(StatusCode.InvalidArgument, "The request names no model.")
        : new RpcException(StatusCode.NotFound, $"Unknown model '{model}': Guard has no route for it.");

    internal void Observe(string model, string method, StatusCode code, long started)
    {
        // Only routed names become labels: a client inventing model names must not invent metric series.
        var label = model.Length == 0 ? "(unrouted)" : model;
        metrics.Requests.WithLabels(label, method, GatewayMetrics.CodeLabel(code)).Inc();
        metrics.RequestDuration.WithLabels(label, method).Observe(Stopwatch.GetElapsedTime(started).TotalSeconds);
    }

    /// <summary>The status a failure ends the call with, as the transport will report it (for metrics).</summary>
    internal static StatusCode StatusFor(Exception exception, ServerCallContext context)
    {
        var deadlinePassed = context.Deadline is { } d && DateTime.UtcNow >= d;
        return exception switch
        {
            RpcException { StatusCode: StatusCode.Cancelled or StatusCode.DeadlineExceeded } when deadlinePassed => StatusCode.DeadlineExceeded,
            RpcException rpc => rpc.StatusCode,
            OperationCanceledException => deadlinePassed ? StatusCode.DeadlineExceeded : StatusCode.Cancelled,
            _ => StatusCode.Unknown,
        };
    }

    private static T ParseSmall<T>(MessageParser<T> parser, ReadOnlyMemory<byte> bytes)
        where T : IMessage<T>
    {
        try
        {
            return parser.ParseFrom(bytes.Span);
        }
        catch (InvalidProtocolBufferException ex)
        {
            throw new RpcException(StatusCode.InvalidArgument, $"Malformed {typeof(T).Name}: {ex.Message}");
        }
    }

    [LoggerMessage(Level = LogLevel.Information, Message = "Blocked a request for {Model} at stage {Stage}: {StatusCode} {Reason} (client {Client})")]
    private static partial void LogBlocked(ILogger logger, string model, string stage, StatusCode statusCode, string reason, string client);

    [LoggerMessage(Level = LogLevel.Information, Message = "Refused an unauthenticated {Method} call from {Peer}: {Reason}")]
    private static partial void LogUnauthenticated(ILogger logger, string method, string peer, string reason);

    [LoggerMessage(Level = LogLevel.Error, Message = "Guard {Stage} failed on a request for {Model}")]
    private static partial void LogGuardFault(ILogger logger, string stage, string model, Exception exception);

    /// <summary>The smoothing stage's results for this request, with the settings they were made under.</summary>
    private static SmoothingAnswer? SmoothingOf(ModelRoute route, GuardContext context) =>
        context.Items.TryGetValue(Guards.Smoothing.SmoothingGuard.ResultsItem, out var item) && item is Guards.Smoothing.SmoothingResult[] results
            && route.Pipeline.Guards.OfType<Guards.Smoothing.SmoothingGuard>().FirstOrDefault() is { } stage
            ? new SmoothingAnswer(
                results,
                stage.Smoothing,
                results.Any(r => r.Decision != Guards.Smoothing.SmoothingDecision.CertifiedAtMinRadius) ? stage.Options.Fallback : null)
            : null;

    /// <summary>What the pipeline decided: the request bytes to send on, or (silent reject) the answer to give instead,
    /// and what the answer must carry besides the model's outputs.</summary>
    internal readonly record struct Inspection(ReadOnlyMemory<byte> Payload, ModelInferResponse? Answer, SmoothingAnswer? Smoothing);

    /// <param name="Fallback">The model to answer instead, when a row was not certified at r_min and the policy has one.</param>
    internal sealed record SmoothingAnswer(IReadOnlyList<Guards.Smoothing.SmoothingResult> Results, Guards.Smoothing.SmoothingOptions Options, string? Fallback);

    /// <summary>What a call learns about itself on the way (its route), for the metrics recorded at its end.</summary>
    private sealed class ObservedCall
    {
        public string Model { get; set; } = "";

        public ClientIdentity Client { get; set; } = ClientIdentity.Anonymous;
    }
}
