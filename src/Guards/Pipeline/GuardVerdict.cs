using Guard.Protocol.Inference;
using Guard.Rpc;

namespace Guard.Guards.Pipeline;

/// <summary>A guard's decision about one request.</summary>
public sealed class GuardVerdict
{
    private GuardVerdict(VerdictKind kind, StatusCode code, string message, ModelInferRequest? replacement, IReadOnlyList<KeyValuePair<string, string>>? trailers = null, Detection? detection = null)
    {
        Detection = detection;
        Kind = kind;
        Code = code;
        Message = message;
        Replacement = replacement;
        Trailers = trailers ?? [];
    }

    /// <summary>Let the request through unchanged. Cached: allowing allocates nothing.</summary>
    public static GuardVerdict Allow { get; } = new(VerdictKind.Allow, StatusCode.OK, string.Empty, replacement: null);

    public VerdictKind Kind { get; }

    /// <summary>The status sent to the client; OK unless <see cref="Kind"/> is Block.</summary>
    public StatusCode Code { get; }

    /// <summary>The status message sent to the client; empty unless <see cref="Kind"/> is Block.</summary>
    public string Message { get; }

    /// <summary>Metadata sent with a block's status, e.g. <c>retry-after-ms</c>.</summary>
    public IReadOnlyList<KeyValuePair<string, string>> Trailers { get; }

    /// <summary>The request to forward instead, when <see cref="Kind"/> is Transform.</summary>
    public ModelInferRequest? Replacement { get; }

    /// <summary>Reject the request with this status; the message reaches the client, so keep secrets out of it.</summary>
    public static GuardVerdict Block(StatusCode code, string message) => Block(code, message, trailers: null);

    /// <summary>Reject the request with this status and trailing metadata (lower-case ASCII keys, no secrets).</summary>
    public static GuardVerdict Block(StatusCode code, string message, IReadOnlyList<KeyValuePair<string, string>>? trailers)
    {
        ArgumentNullException.ThrowIfNull(message);
        if (code == StatusCode.OK)
        {
            throw new ArgumentException("a block needs an error status code", nameof(code));
        }

        return new GuardVerdict(VerdictKind.Block, code, message, replacement: null, trailers);
    }

    /// <summary>Forward <paramref name="replacement"/> instead of the request; the pipeline owns it from here on.</summary>
    public static GuardVerdict Transform(ModelInferRequest replacement)
    {
        ArgumentNullException.ThrowIfNull(replacement);
        return new GuardVerdict(VerdictKind.Transform, StatusCode.OK, string.Empty, replacement);
    }

    /// <summary>The finding, when <see cref="Kind"/> is Detect.</summary>
    public Detection? Detection { get; }

    /// <summary>The query is judged an attack; the gateway carries out <see cref="Detection.Action"/> and logs it.</summary>
    public static GuardVerdict Detect(Detection detection)
    {
        ArgumentNullException.ThrowIfNull(detection);
        return new GuardVerdict(VerdictKind.Detect, StatusCode.OK, string.Empty, replacement: null, trailers: null, detection);
    }

    public override string ToString() => Kind switch
    {
        VerdictKind.Block => $"Block({Code}: {Message})",
        VerdictKind.Detect => $"Detect({Detection!.Guard}: {Detection.Score} vs {Detection.Threshold}, {Detection.Action.Kind})",
        _ => Kind.ToString(),
    };
}
