using Guard.Gateway.Inference;
using Guard.Protocol.Inference;
using Guard.Rpc;

namespace Guard.Integration.Tests.Infrastructure;

/// <summary>The KServe v2 methods with protobuf marshallers on both sides, as a typed client calls them.</summary>
public static class ClientMethods
{
    public static Method<ModelInferRequest, ModelInferResponse> Infer => InferenceService.ModelInfer;

    public static Method<ModelInferRequest, ModelStreamInferResponse> StreamInfer => InferenceService.ModelStreamInfer;

    public static Method<ModelReadyRequest, ModelReadyResponse> ModelReady => InferenceService.ModelReady;

    public static Method<ServerReadyRequest, ServerReadyResponse> ServerReady => InferenceService.ServerReady;

    public static Method<ModelMetadataRequest, ModelMetadataResponse> ModelMetadata => InferenceService.ModelMetadata;
}
