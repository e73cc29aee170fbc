using Guard.Protocol.Inference;
using Guard.Rpc;

namespace Guard.RedTeam.Targets;

/// <summary>The two KServe v2 methods an attacker needs, as protobuf messages (the gateway's copies forward raw bytes).</summary>
internal static class KServeMethods
{
    private const string Service = "inference.GRPCInferenceService";

    public static readonly Method<ModelMetadataRequest, ModelMetadataResponse> ModelMetadata =
        new(MethodType.Unary, Service, "ModelMetadata", Marshallers.Protobuf(ModelMetadataRequest.Parser), Marshallers.Protobuf(ModelMetadataResponse.Parser));

    public static readonly Method<ModelInferRequest, ModelInferResponse> ModelInfer =
        new(MethodType.Unary, Service, "ModelInfer", Marshallers.Protobuf(ModelInferRequest.Parser), Marshallers.Protobuf(ModelInferResponse.Parser));
}
