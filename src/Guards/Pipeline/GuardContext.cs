using Google.Protobuf;
using Guard.Guards.Model;
using Guard.Protocol;
using Guard.Protocol.Inference;

namespace Guard.Guards.Pipeline;

/// <summary>
/// One request as it passes through a pipeline. Guards read the zero-copy <see cref="Request"/> view;
/// the full protobuf <see cref="Message"/> is parsed only if some guard asks for it.
/// </summary>
public sealed class GuardContext
{
    private ModelInferRequest? _message;
    private Dictionary<string, object>? _items;
    private List<Detection>? _detections;

    public GuardContext(string model, InferRequestView request, ModelSignature? signature, string clientId, string? requestId = null)
    {
        ArgumentNullException.ThrowIfNull(model);
        ArgumentNullException.ThrowIfNull(request);
        ArgumentNullException.ThrowIfNull(clientId);
        Model = model;
        Request = request;
        Signature = signature;
        ClientId = clientId;
        RequestId = requestId ?? NewRequestId();
    }

    /// <summary>The gateway's id for this request, unique across replicas: what logs and stateful guards record it under.</summary>
    public string RequestId { get; }

    /// <summary>64 random bits as 16 lower-case hex digits: unique enough across replicas, and small enough for
    /// stateful stages to store with every entry they keep.</summary>
    public static string NewRequestId() =>
        ((ulong)Random.Shared.NextInt64(long.MinValue, long.MaxValue)).ToString("x16", System.Globalization.CultureInfo.InvariantCulture);

    /// <summary>The model the request is routed to.</summary>
    public string Model { get; }

    /// <summary>View of the current request (the replacement once a guard has transformed it).</summary>
    public InferRequestView Request { get; private set; }

    /// <summary>The model's declared inputs and outputs, when its metadata is known.</summary>
    public ModelSignature? Signature { get; }

    /// <summary>Who sent the request, as the gateway identified them.</summary>
    public string ClientId { get; }

    /// <summary>
    /// Full parse of the current request, created on first use and cached. This copies tensor data,
    /// so guards that can work from <see cref="Request"/> should. Treat it as read-only: to change the
    /// request, return <see cref="GuardVerdict.Transform"/> with a modified clone.
    /// </summary>
    public ModelInferRequest Message => _message ??= ModelInferRequest.Parser.ParseFrom(Request.RawMessage.Span);

    /// <summary>Bytes of the current request: the original ones unless a guard transformed it.</summary>
    public ReadOnlyMemory<byte> RawMessage => Request.RawMessage;

    public bool IsTransformed { get; private set; }

    /// <summary>Per-request scratch space shared between guards; allocated on first use.</summary>
    public IDictionary<string, object> Items => _items ??= new Dictionary<string, object>(StringComparer.Ordinal);

    /// <summary>Every detection stages made on this request, in stage order (flag and delay ones included).</summary>
    public IReadOnlyList<Detection> Detections => (IReadOnlyList<Detection>?)_detections ?? [];

    internal void AddDetection(Detection detection) => (_detections ??= new List<Detection>(1)).Add(detection);

    /// <summary>Makes <paramref name="replacement"/> the current request for the guards that follow.</summary>
    internal void ApplyTransform(ModelInferRequest replacement)
    {
        ArgumentNullException.ThrowIfNull(replacement);
        // Re-serialize and re-parse so that the view, the bytes and the message agree, and so later
        // guards validate exactly what will be forwarded.
        Request = InferRequestView.Parse(replacement.ToByteArray());
        _message = replacement;
        IsTransformed = true;
    }
}
