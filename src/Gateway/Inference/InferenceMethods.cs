using Guard.Protocol.Inference;
using Guard.Rpc;

namespace Guard.Gateway.Inference;

/// <summary>
/// The KServe v2 methods Guard proxies, as raw bytes, so it forwards exactly what the client sent. The typed ones
/// (server-level calls Guard answers itself, metadata it reads) are <see cref="InferenceService"/>'s.
/// </summary>
public static class InferenceMethods
{
    public const string Service = InferenceService.Name;

    public static readonly Method<ReadOnlyMemory<byte>, ReadOnlyMemory<byte>> ModelReadyRaw =
        new(MethodType.Unary, Service, "ModelReady", Marshallers.Raw, Marshallers.Raw);

    public static readonly Method<ReadOnlyMemory<byte>, ReadOnlyMemory<byte>> ModelMetadataRaw =
        new(MethodType.Unary, Service, "ModelMetadata", Marshallers.Raw, Marshallers.Raw);

    public static readonly Method<ReadOnlyMemory<byte>, ReadOnlyMemory<byte>> ModelInferRaw =
        new(MethodType.Unary, Service, "ModelInfer", Marshallers.Raw, Marshallers.Raw);

    public static readonly Method<ReadOnlyMemory<byte>, ReadOnlyMemory<byte>> ModelStreamInferRaw =
        new(MethodType.DuplexStreaming, Service, "ModelStreamInfer", Marshallers.Raw, Marshallers.Raw);
}
