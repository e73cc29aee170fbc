using Google.Protobuf;
using Guard.Rpc;

namespace Guard.Protocol.Inference;

/// <summary>
/// The KServe v2 service's methods with protobuf messages on both sides, as a client or a server of the protocol calls
/// them (the role of a generated service descriptor; the proxy's raw-bytes copies are in the gateway).
/// </summary>
public static class InferenceService
{
    public const string Name = "inference.GRPCInferenceService";

    public static readonly Method<ServerLiveRequest, ServerLiveResponse> ServerLive = Unary("ServerLive", ServerLiveRequest.Parser, ServerLiveResponse.Parser);

    public static readonly Method<ServerReadyRequest, ServerReadyResponse> ServerReady = Unary("ServerReady", ServerReadyRequest.Parser, ServerReadyResponse.Parser);

    public static readonly Method<ServerMetadataRequest, ServerMetadataResponse> ServerMetadata = Unary("ServerMetadata", ServerMetadataRequest.Parser, ServerMetadataResponse.Parser);

    public static readonly Method<ModelReadyRequest, ModelReadyResponse> ModelReady = Unary("ModelReady", ModelReadyRequest.Parser, ModelReadyResponse.Parser);

    public static readonly Method<ModelMetadataRequest, ModelMetadataResponse> ModelMetadata = Unary("ModelMetadata", ModelMetadataRequest.Parser, ModelMetadataResponse.Parser);

    public static readonly Method<ModelInferRequest, ModelInferResponse> ModelInfer = Unary("ModelInfer", ModelInferRequest.Parser, ModelInferResponse.Parser);

    public static readonly Method<ModelInferRequest, ModelStreamInferResponse> ModelStreamInfer =
        new(MethodType.DuplexStreaming, Name, "ModelStreamInfer", Marshallers.Protobuf(ModelInferRequest.Parser), Marshallers.Protobuf(ModelStreamInferResponse.Parser));

    private static Method<TRequest, TResponse> Unary<TRequest, TResponse>(string method, MessageParser<TRequest> request, MessageParser<TResponse> response)
        where TRequest : IMessage<TRequest>
        where TResponse : IMessage<TResponse> =>
        new(MethodType.Unary, Name, method, Marshallers.Protobuf(request), Marshallers.Protobuf(response));
}
