using Guard.Gateway.Inference;
using Guard.Protocol.Inference;
using Guard.Rpc;

namespace Guard.Integration.Tests.Infrastructure;

/// <summary>The KServe v2 methods with protobuf marshallers on both sides, as a typed client calls them.</summary>
public static class ClientMethods
{
    public static readonly Method<ModelInferRequest, ModelInferResponse> Infer =
        new(MethodType.Unary, InferenceMethods.Service, "ModelInfer", Marshallers.Protobuf(ModelInferRequest.Parser), Marshallers.Protobuf(ModelInferResponse.Parser));

    public static readonly Method<ModelInferRequest, ModelStreamInferResponse> StreamInfer =
        new(MethodType.DuplexStreaming, InferenceMethods.Service, "ModelStreamInfer", Marshallers.Protobuf(ModelInferRequest.Parser), Marshallers.Protobuf(ModelStreamInferResponse.Parser));

    public static Method<ModelReadyRequest, ModelReadyResponse> ModelReady => InferenceMethods.ModelReady;

    public static Method<ServerReadyRequest, ServerReadyResponse> ServerReady => InferenceMethods.ServerReady;

    public static Method<ModelMetadataRequest, ModelMetadataResponse> ModelMetadata => InferenceMethods.ModelMetadata;
}
