using Google.Protobuf;
using Guard.Guards.Model;
using Guard.ModelHost;
using Guard.Protocol;
using Guard.Protocol.Inference;
using Guard.Rpc;

namespace Guard.Gateway.Embedded;

/// <summary>
/// KServe v2 on top of the embedded model host: ModelReady, ModelMetadata (from the ONNX graph) and ModelInfer,
/// in-process. Raw input bytes go to the host without a copy; outputs come back as raw_output_contents.
/// Host errors become gRPC statuses with the host's message.
/// </summary>
public static class EmbeddedInference
{
    /// <summary>The platform name Triton reports for ONNX Runtime models.</summary>
    public const string Platform = "onnxruntime_onnx";

    public static ModelReadyResponse Ready(EmbeddedModels models, ModelReadyRequest request)
    {
        ArgumentNullException.ThrowIfNull(models);
        ArgumentNullException.ThrowIfNull(request);
        return new ModelReadyResponse { Ready = models.Host.IsReady(request.Name, request.Version) };
    }

    public static ModelMetadataResponse Metadata(EmbeddedModels models, string model, string version)
    {
        ArgumentNullException.ThrowIfNull(models);
        return Metadata(models.Host, Resolve(models, model, version));
    }

    internal static ModelMetadataResponse Metadata(Guard.ModelHost.ModelHost host, HostedModel hosted)
    {
        var response = new ModelMetadataResponse { Name = hosted.Name, Platform = Platform };
        response.Versions.AddRange(host.VersionsOf(hosted.Name).Select(v => v.Version));
        response.Inputs.AddRange(hosted.Inputs.Select(Describe));
        response.Outputs.AddRange(hosted.Outputs.Select(Describe));
        return response;
    }

    /// <summary>
    /// The model's signature for the validation guard, straight from the host (no metadata call); null for an unknown
    /// or unavailable model, which the inference itself then reports with the host's reason.
    /// </summary>
    public static ModelSignature? Signature(EmbeddedModels models, string model, string version)
    {
        ArgumentNullException.ThrowIfNull(models);
        foreach (var hosted in models.Host.VersionsOf(model))
        {
            // Highest version first: an empty version means that one.
            if (version.Length == 0 || hosted.Version == version)
            {
                return models.SignatureOf(hosted);
            }
        }

        return null;
    }

    /// <summary>Runs the request described by <paramref name="view"/>; returns the serialized ModelInferResponse.</summary>
    public static async Task<ReadOnlyMemory<byte>> InferAsync(EmbeddedModels models, InferRequestView view, CancellationToken cancellationToken) =>
        (await InferResponseAsync(models, view, cancellationToken)).ToByteArray();

    /// <summary>Runs the request described by <paramref name="view"/>.</summary>
    public static async Task<ModelInferResponse> InferResponseAsync(EmbeddedModels models, InferRequestView view, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(models);
        ArgumentNullException.ThrowIfNull(view);
        var hosted = Resolve(models, view.ModelName, view.ModelVersion);
        var request = ToRequest(view);
        InferenceResponse result;
        try
        {
            result = await hosted.InferAsync(request, cancellationToken);
        }
        catch (InferenceException ex)
        {
            throw ToRpc(ex);
        }

        var response = new ModelInferResponse { ModelName = hosted.Name, ModelVersion = hosted.Version, Id = view.Id };
        foreach (var output in result.Outputs)
        {
            var tensor = new ModelInferResponse.Types.InferOutputTensor { Name = output.Name, Datatype = output.Datatype };
            tensor.Shape.AddRange(output.Shape);
            response.Outputs.Add(tensor);

            // The host's output arrays are ours alone: wrap, don't copy.
            response.RawOutputContents.Add(UnsafeByteOperations.UnsafeWrap(output.Data));
        }

        return response;
    }

    private static HostedModel Resolve(EmbeddedModels models, string model, string version)
    {
        try
        {
            return models.Host.Resolve(model, version);
        }
        catch (InferenceException ex)
        {
            throw ToRpc(ex);
        }
    }

    private static InferenceRequest ToRequest(InferRequestView view)
    {
        var raw = view.RawInputContents;
        if (raw.Count > 0 && raw.Count != view.Inputs.Count)
        {
            throw new RpcException(StatusCode.InvalidArgument, $"raw_input_contents has {raw.Count} entries for {view.Inputs.Count} inputs.");
        }

        ModelInferRequest? parsed = null;
        var inputs = new InferenceTensor[view.Inputs.Count];
        for (var i = 0; i < inputs.Length; i++)
        {
            var input = view.Inputs[i];
            if (!TensorDatatypes.TryParse(input.Datatype, out var elementType))
            {
                throw new RpcException(StatusCode.InvalidArgument, $"Input '{input.Name}' has datatype '{input.Datatype}', which the embedded model host does not run.");
            }

            ReadOnlyMemory<byte> data;
            if (raw.Count > 0)
            {
                if (input.HasTypedContents && input.TypedContentsCount > 0)
                {
                    throw new RpcException(StatusCode.InvalidArgument, $"Input '{input.Name}' has both contents and raw_input_contents.");
                }
                data = raw[i];
            }
            else
            {
                parsed ??= ModelInferRequest.Parser.ParseFrom(view.RawMessage.Span);
                try
                {
                    data = TypedContentsDecoder.Decode(input.Name, input.Datatype, elementType.Value, parsed.Inputs[i].Contents ?? new InferTensorContents());
                }
                catch (ArgumentException ex)
                {
                    throw new RpcException(StatusCode.InvalidArgument, ex.Message);
                }
            }

            inputs[i] = new InferenceTensor(input.Name, elementType.Value, input.Shape, data);
        }

        return new InferenceRequest(inputs, view.RequestedOutputs);
    }

    private static ModelMetadataResponse.Types.TensorMetadata Describe(TensorDescription tensor)
    {
        var metadata = new ModelMetadataResponse.Types.TensorMetadata { Name = tensor.Name, Datatype = tensor.Datatype };
        metadata.Shape.AddRange(tensor.Shape);
        return metadata;
    }

    internal static RpcException ToRpc(InferenceException ex) => new(
        ex.Kind switch
        {
            InferenceErrorKind.InvalidArgument => StatusCode.InvalidArgument,
            InferenceErrorKind.NotFound => StatusCode.NotFound,
            InferenceErrorKind.Unavailable => StatusCode.Unavailable,
            _ => StatusCode.Internal,
        },
        ex.Message);
}
