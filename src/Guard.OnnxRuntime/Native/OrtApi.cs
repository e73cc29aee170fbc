using System.Runtime.InteropServices;

namespace Guard.OnnxRuntime.Native;

/// <summary>
/// The function pointers of the <c>OrtApi</c> struct that this binding uses, read by slot index
/// (see <c>ortapi-v23-slots.txt</c>: the struct is append-only, so slots never move).
/// Opaque ORT pointers are <see cref="nint"/>; an <c>OrtStatus*</c> return is <see cref="nint"/> (0 = success).
/// </summary>
internal sealed unsafe class OrtApi
{
    /// <summary>The <c>ORT_API_VERSION</c> this binding was written against.</summary>
    public const uint Version = 23;

    public readonly delegate* unmanaged[Cdecl]<nint, int> GetErrorCode;
    public readonly delegate* unmanaged[Cdecl]<nint, byte*> GetErrorMessage;
    public readonly delegate* unmanaged[Cdecl]<int, byte*, nint*, nint> CreateEnv;
    public readonly delegate* unmanaged[Cdecl]<nint, byte*, nint, nint*, nint> CreateSession;
    public readonly delegate* unmanaged[Cdecl]<nint, void*, nuint, nint, nint*, nint> CreateSessionFromArray;
    public readonly delegate* unmanaged[Cdecl]<nint, nint, byte**, nint*, nuint, byte**, nuint, nint*, nint> Run;
    public readonly delegate* unmanaged[Cdecl]<nint*, nint> CreateSessionOptions;
    public readonly delegate* unmanaged[Cdecl]<nint, int, nint> SetSessionGraphOptimizationLevel;
    public readonly delegate* unmanaged[Cdecl]<nint, int, nint> SetIntraOpNumThreads;
    public readonly delegate* unmanaged[Cdecl]<nint, int, nint> SetInterOpNumThreads;
    public readonly delegate* unmanaged[Cdecl]<nint, nuint*, nint> SessionGetInputCount;
    public readonly delegate* unmanaged[Cdecl]<nint, nuint*, nint> SessionGetOutputCount;
    public readonly delegate* unmanaged[Cdecl]<nint, nuint, nint*, nint> SessionGetInputTypeInfo;
    public readonly delegate* unmanaged[Cdecl]<nint, nuint, nint*, nint> SessionGetOutputTypeInfo;
    public readonly delegate* unmanaged[Cdecl]<nint, nuint, nint, byte**, nint> SessionGetInputName;
    public readonly delegate* unmanaged[Cdecl]<nint, nuint, nint, byte**, nint> SessionGetOutputName;
    public readonly delegate* unmanaged[Cdecl]<nint, void*, nuint, long*, nuint, int, nint*, nint> CreateTensorWithDataAsOrtValue;
    public readonly delegate* unmanaged[Cdecl]<nint, int*, nint> IsTensor;
    public readonly delegate* unmanaged[Cdecl]<nint, void**, nint> GetTensorMutableData;
    public readonly delegate* unmanaged[Cdecl]<nint, nint*, nint> CastTypeInfoToTensorInfo;
    public readonly delegate* unmanaged[Cdecl]<nint, int*, nint> GetTensorElementType;
    public readonly delegate* unmanaged[Cdecl]<nint, nuint*, nint> GetDimensionsCount;
    public readonly delegate* unmanaged[Cdecl]<nint, long*, nuint, nint> GetDimensions;
    public readonly delegate* unmanaged[Cdecl]<nint, nint*, nint> GetTensorTypeAndShape;
    public readonly delegate* unmanaged[Cdecl]<int, int, nint*, nint> CreateCpuMemoryInfo;
    public readonly delegate* unmanaged[Cdecl]<nint, void*, nint> AllocatorFree;
    public readonly delegate* unmanaged[Cdecl]<nint*, nint> GetAllocatorWithDefaultOptions;
    public readonly delegate* unmanaged[Cdecl]<nint, void> ReleaseEnv;
    public readonly delegate* unmanaged[Cdecl]<nint, void> ReleaseStatus;
    public readonly delegate* unmanaged[Cdecl]<nint, void> ReleaseMemoryInfo;
    public readonly delegate* unmanaged[Cdecl]<nint, void> ReleaseSession;
    public readonly delegate* unmanaged[Cdecl]<nint, void> ReleaseValue;
    public readonly delegate* unmanaged[Cdecl]<nint, void> ReleaseTypeInfo;
    public readonly delegate* unmanaged[Cdecl]<nint, void> ReleaseTensorTypeAndShapeInfo;
    public readonly delegate* unmanaged[Cdecl]<nint, void> ReleaseSessionOptions;
    public readonly delegate* unmanaged[Cdecl]<nint, byte*, byte*, nint> AddSessionConfigEntry;
    public readonly delegate* unmanaged[Cdecl]<nint, nint, nint> SessionOptionsAppendExecutionProvider_CUDA_V2;
    public readonly delegate* unmanaged[Cdecl]<nint*, nint> CreateCUDAProviderOptions;
    public readonly delegate* unmanaged[Cdecl]<nint, byte**, byte**, nuint, nint> UpdateCUDAProviderOptions;
    public readonly delegate* unmanaged[Cdecl]<nint, void> ReleaseCUDAProviderOptions;
    public readonly delegate* unmanaged[Cdecl]<byte***, int*, nint> GetAvailableProviders;
    public readonly delegate* unmanaged[Cdecl]<byte**, int, nint> ReleaseAvailableProviders;
    public readonly delegate* unmanaged[Cdecl]<nint, nint, nint> SessionOptionsAppendExecutionProvider_TensorRT_V2;
    public readonly delegate* unmanaged[Cdecl]<nint*, nint> CreateTensorRTProviderOptions;
    public readonly delegate* unmanaged[Cdecl]<nint, byte**, byte**, nuint, nint> UpdateTensorRTProviderOptions;
    public readonly delegate* unmanaged[Cdecl]<nint, void> ReleaseTensorRTProviderOptions;

    public OrtApi(nint api)
    {
        var slots = (nint*)api;
        GetErrorCode = (delegate* unmanaged[Cdecl]<nint, int>)slots[1];
        GetErrorMessage = (delegate* unmanaged[Cdecl]<nint, byte*>)slots[2];
        CreateEnv = (delegate* unmanaged[Cdecl]<int, byte*, nint*, nint>)slots[3];
        CreateSession = (delegate* unmanaged[Cdecl]<nint, byte*, nint, nint*, nint>)slots[7];
        CreateSessionFromArray = (delegate* unmanaged[Cdecl]<nint, void*, nuint, nint, nint*, nint>)slots[8];
        Run = (delegate* unmanaged[Cdecl]<nint, nint, byte**, nint*, nuint, byte**, nuint, nint*, nint>)slots[9];
        CreateSessionOptions = (delegate* unmanaged[Cdecl]<nint*, nint>)slots[10];
        SetSessionGraphOptimizationLevel = (delegate* unmanaged[Cdecl]<nint, int, nint>)slots[23];
        SetIntraOpNumThreads = (delegate* unmanaged[Cdecl]<nint, int, nint>)slots[24];
        SetInterOpNumThreads = (delegate* unmanaged[Cdecl]<nint, int, nint>)slots[25];
        SessionGetInputCount = (delegate* unmanaged[Cdecl]<nint, nuint*, nint>)slots[30];
        SessionGetOutputCount = (delegate* unmanaged[Cdecl]<nint, nuint*, nint>)slots[31];
        SessionGetInputTypeInfo = (delegate* unmanaged[Cdecl]<nint, nuint, nint*, nint>)slots[33];
        SessionGetOutputTypeInfo = (delegate* unmanaged[Cdecl]<nint, nuint, nint*, nint>)slots[34];
        SessionGetInputName = (delegate* unmanaged[Cdecl]<nint, nuint, nint, byte**, nint>)slots[36];
        SessionGetOutputName = (delegate* unmanaged[Cdecl]<nint, nuint, nint, byte**, nint>)slots[37];
        CreateTensorWithDataAsOrtValue = (delegate* unmanaged[Cdecl]<nint, void*, nuint, long*, nuint, int, nint*, nint>)slots[49];
        IsTensor = (delegate* unmanaged[Cdecl]<nint, int*, nint>)slots[50];
        GetTensorMutableData = (delegate* unmanaged[Cdecl]<nint, void**, nint>)slots[51];
        CastTypeInfoToTensorInfo = (delegate* unmanaged[Cdecl]<nint, nint*, nint>)slots[55];
        GetTensorElementType = (delegate* unmanaged[Cdecl]<nint, int*, nint>)slots[60];
        GetDimensionsCount = (delegate* unmanaged[Cdecl]<nint, nuint*, nint>)slots[61];
        GetDimensions = (delegate* unmanaged[Cdecl]<nint, long*, nuint, nint>)slots[62];
        GetTensorTypeAndShape = (delegate* unmanaged[Cdecl]<nint, nint*, nint>)slots[65];
        CreateCpuMemoryInfo = (delegate* unmanaged[Cdecl]<int, int, nint*, nint>)slots[69];
        AllocatorFree = (delegate* unmanaged[Cdecl]<nint, void*, nint>)slots[76];
        GetAllocatorWithDefaultOptions = (delegate* unmanaged[Cdecl]<nint*, nint>)slots[78];
        ReleaseEnv = (delegate* unmanaged[Cdecl]<nint, void>)slots[92];
        ReleaseStatus = (delegate* unmanaged[Cdecl]<nint, void>)slots[93];
        ReleaseMemoryInfo = (delegate* unmanaged[Cdecl]<nint, void>)slots[94];
        ReleaseSession = (delegate* unmanaged[Cdecl]<nint, void>)slots[95];
        ReleaseValue = (delegate* unmanaged[Cdecl]<nint, void>)slots[96];
        ReleaseTypeInfo = (delegate* unmanaged[Cdecl]<nint, void>)slots[98];
        ReleaseTensorTypeAndShapeInfo = (delegate* unmanaged[Cdecl]<nint, void>)slots[99];
        ReleaseSessionOptions = (delegate* unmanaged[Cdecl]<nint, void>)slots[100];
        AddSessionConfigEntry = (delegate* unmanaged[Cdecl]<nint, byte*, byte*, nint>)slots[130];
        SessionOptionsAppendExecutionProvider_CUDA_V2 = (delegate* unmanaged[Cdecl]<nint, nint, nint>)slots[204];
        CreateCUDAProviderOptions = (delegate* unmanaged[Cdecl]<nint*, nint>)slots[205];
        UpdateCUDAProviderOptions = (delegate* unmanaged[Cdecl]<nint, byte**, byte**, nuint, nint>)slots[206];
        ReleaseCUDAProviderOptions = (delegate* unmanaged[Cdecl]<nint, void>)slots[208];
        GetAvailableProviders = (delegate* unmanaged[Cdecl]<byte***, int*, nint>)slots[125];
        ReleaseAvailableProviders = (delegate* unmanaged[Cdecl]<byte**, int, nint>)slots[126];
        SessionOptionsAppendExecutionProvider_TensorRT_V2 = (delegate* unmanaged[Cdecl]<nint, nint, nint>)slots[170];
        CreateTensorRTProviderOptions = (delegate* unmanaged[Cdecl]<nint*, nint>)slots[171];
        UpdateTensorRTProviderOptions = (delegate* unmanaged[Cdecl]<nint, byte**, byte**, nuint, nint>)slots[172];
        ReleaseTensorRTProviderOptions = (delegate* unmanaged[Cdecl]<nint, void>)slots[174];
    }

    /// <summary>Throws <see cref="OnnxRuntimeException"/> for a non-null <c>OrtStatus*</c>, releasing it.</summary>
    public void Check(nint status)
    {
        if (status != 0)
        {
            throw ToException(status);
        }
    }

    public OnnxRuntimeException ToException(nint status)
    {
        try
        {
            var code = (OrtErrorCode)GetErrorCode(status);
            var message = Marshal.PtrToStringUTF8((nint)GetErrorMessage(status)) ?? string.Empty;
            return new OnnxRuntimeException(code, message);
        }
        finally
        {
            ReleaseStatus(status);
        }
    }
}
