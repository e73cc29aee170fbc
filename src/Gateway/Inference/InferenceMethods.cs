using Guard.Protocol.Inference;
using Guard.Rpc;

namespace Guard.Gateway.Inference;

/// <summary>
/// The KServe v2 methods. Model-bound methods travel as raw bytes so the proxy forwards exactly what the client
/// sent; server-level methods are answered by Guard and use the protobuf messages.
/// </summary>
public static class InferenceMethods
{
    public const string Service = "inference.GRPCInferenceService";

    public static readonly Method<ServerLiveRequest, ServerLiveResponse> ServerLive =
        new(MethodType.Unary, Service, "ServerLive", Marshallers.Protobuf(ServerLiveRequest.Parser), Marshallers.Protobuf(ServerLiveResponse.Parser));

    public static readonly Method<ServerReadyRequest, ServerReadyResponse> ServerReady =
        new(MethodType.Unary, Service, "ServerReady", Marshallers.Protobuf(ServerReadyRequest.Parser), Marshallers.Protobuf(ServerReadyResponse.Parser));

    public static readonly Method<ServerMetadataRequest, ServerMetadataResponse> ServerMetadata =
        new(MethodType.Unary, Service, "ServerMetadata", Marshallers.Protobuf(ServerMetadataRequest.Parser), Marshallers.Protobuf(ServerMetadataResponse.Parser));

    public static readonly Method<ModelReadyRequest, ModelReadyResponse> ModelReady =
        new(MethodType.Unary, Service, "ModelReady", Marshallers.Protobuf(ModelReadyRequest.Parser), Marshallers.Protobuf(ModelReadyResponse.Parser));

    public static readonly Method<ModelMetadataRequest, ModelMetadataResponse> ModelMetadata =
        new(MethodType.Unary, Service, "ModelMetadata", Marshallers.Protobuf(ModelMetadataRequest.Parser), Marshallers.Protobuf(ModelMetadataResponse.Parser));

    public static readonly Method<ReadOnlyMemory<byte>, ReadOnlyMemory<byte>> ModelReadyRaw =
        new(MethodType.Unary, Service, "ModelReady", Marshallers.Raw, Marshallers.Raw);

    public static readonly Method<ReadOnlyMemory<byte>, ReadOnlyMemory<byte>> ModelMetadataRaw =
        new(MethodType.Unary, Service, "ModelMetadata", Marshallers.Raw, Marshallers.Raw);

    public static readonly Method<ReadOnlyMemory<byte>, ReadOnlyMemory<byte>> ModelInferRaw =
        new(MethodType.Unary, Service, "ModelInfer", Marshallers.Raw, Marshallers.Raw);

    public static readonly Method<ReadOnlyMemory<byte>, ReadOnlyMemory<byte>> ModelStreamInferRaw =
        new(MethodType.DuplexStreaming, Service, "ModelStreamInfer", Marshallers.Raw, Marshallers.Raw);
}
