using System.Globalization;

namespace Guard.Protocol;

/// <summary>
/// A zero-copy view of a serialized <c>inference.ModelInferRequest</c>: the routing and validation
/// facts (names, datatypes, shapes, element counts) are read straight from the wire bytes, and
/// raw_input_contents are slices of the original buffer, so tensor data is never copied.
/// </summary>
/// <remarks>
/// <see cref="Parse"/> is at least as strict as a full protobuf parse: anything it accepts parses with
/// <c>ModelInferRequest.Parser</c>. It is stricter in three ways: groups are rejected, strings must be
/// valid UTF-8, and it caps <see cref="MaxShapeRank"/> and <see cref="MaxTensorCount"/> so that a small
/// hostile message cannot expand into a large object graph.
/// </remarks>
public sealed class InferRequestView
{
    /// <summary>Most dimensions an input shape may have; far above any real model, low enough to bound allocation.</summary>
    public const int MaxShapeRank = 64;

    /// <summary>Most inputs, requested outputs or raw_input_contents entries a request may carry.</summary>
    public const int MaxTensorCount = 65_536;

    private const string MessageName = "ModelInferRequest";

    private const uint ModelNameTag = (1 << 3) | (uint)WireType.LengthDelimited;
    private const uint ModelVersionTag = (2 << 3) | (uint)WireType.LengthDelimited;
    private const uint IdTag = (3 << 3) | (uint)WireType.LengthDelimited;
    private const uint ParametersTag = (4 << 3) | (uint)WireType.LengthDelimited;
    private const uint InputsTag = (5 << 3) | (uint)WireType.LengthDelimited;
    private const uint OutputsTag = (6 << 3) | (uint)WireType.LengthDelimited;
    private const uint RawInputContentsTag = (7 << 3) | (uint)WireType.LengthDelimited;

    private InferRequestView(
        ReadOnlyMemory<byte> rawMessage,
        string modelName,
        string modelVersion,
        string id,
        bool hasParameters,
        IReadOnlyList<InferInputView> inputs,
        IReadOnlyList<string> requestedOutputs,
        IReadOnlyList<ReadOnlyMemory<byte>> rawInputContents)
    {
        RawMessage = rawMessage;
        ModelName = modelName;
        ModelVersion = modelVersion;
        Id = id;
        HasParameters = hasParameters;
        Inputs = inputs;
        RequestedOutputs = requestedOutputs;
        RawInputContents = rawInputContents;
    }

    /// <summary>The serialized message this view reads.</summary>
    public ReadOnlyMemory<byte> RawMessage { get; }

    public string ModelName { get; }

    public string ModelVersion { get; }

    public string Id { get; }

    /// <summary>Whether the request-level <c>parameters</c> map has any entry.</summary>
    public bool HasParameters { get; }

    public IReadOnlyList<InferInputView> Inputs { get; }

    /// <summary>Names of the <c>outputs</c> the client asked for, in request order.</summary>
    public IReadOnlyList<string> RequestedOutputs { get; }

    /// <summary>Slices of <see cref="RawMessage"/>, one per raw_input_contents entry.</summary>
    public IReadOnlyList<ReadOnlyMemory<byte>> RawInputContents { get; }

    /// <exception cref="InvalidMessageException">The bytes are not a well-formed ModelInferRequest.</exception>
    public static InferRequestView Parse(ReadOnlyMemory<byte> message)
    {
        var buffer = message.Span;
        var reader = new WireReader(buffer, new WireSegment(0, buffer.Length), MessageName);
        string modelName = string.Empty;
        string modelVersion = string.Empty;
        string id = string.Empty;
        bool hasParameters = false;
        List<InferInputView>? inputs = null;
        List<string>? outputs = null;
        List<ReadOnlyMemory<byte>>? raw = null;

        while (reader.HasMore)
        {
            uint tag = reader.ReadTag();
            switch (tag)
            {
                case ModelNameTag:
                    modelName = reader.ReadString();
                    break;
                case ModelVersionTag:
                    modelVersion = reader.ReadString();
                    break;
                case IdTag:
                    id = reader.ReadString();
                    break;
                case ParametersTag:
                    ParameterMapValidator.ValidateEntry(buffer, reader.ReadSegment(), MessageName);
                    hasParameters = true;
                    break;
                case InputsTag:
                    inputs ??= [];
                    EnsureRoom(ref reader, inputs.Count, "inputs");
                    inputs.Add(InferInputParser.Parse(buffer, reader.ReadSegment(), inputs.Count, MessageName));
                    break;
                case OutputsTag:
                    outputs ??= [];
                    EnsureRoom(ref reader, outputs.Count, "outputs");
                    outputs.Add(RequestedOutputParser.ParseName(buffer, reader.ReadSegment(), MessageName));
                    break;
                case RawInputContentsTag:
                    raw ??= [];
                    EnsureRoom(ref reader, raw.Count, "raw_input_contents");
                    var segment = reader.ReadSegment();
                    raw.Add(message.Slice(segment.Offset, segment.Length));
                    break;
                default:
                    reader.SkipField(tag);
                    break;
            }
        }

        return new InferRequestView(
            message,
            modelName,
            modelVersion,
            id,
            hasParameters,
            inputs ?? (IReadOnlyList<InferInputView>)[],
            outputs ?? (IReadOnlyList<string>)[],
            raw ?? (IReadOnlyList<ReadOnlyMemory<byte>>)[]);
    }

    private static void EnsureRoom(ref WireReader reader, int count, string field)
    {
        if (count == MaxTensorCount)
        {
            reader.ThrowMalformed(string.Create(CultureInfo.InvariantCulture, $"more than {MaxTensorCount} {field} (offset {reader.Position})"));
        }
    }
}
