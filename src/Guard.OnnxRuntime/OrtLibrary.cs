using System.Runtime.InteropServices;
using Guard.OnnxRuntime.Native;

namespace Guard.OnnxRuntime;

/// <summary>
/// The loaded ONNX Runtime shared library and its <c>OrtApi</c> (version 23). Load it once and share it;
/// it is never unloaded. Everything else in this binding is created from it.
/// </summary>
public sealed unsafe class OrtLibrary
{
    /// <summary>The environment variable naming the full path of <c>libonnxruntime.so.1</c>.</summary>
    public const string PathVariable = "GUARD_ORT_LIBRARY";

    private OrtLibrary(string path, nint library, OrtApi api, string version, OrtMemoryInfoHandle cpuMemory, nint allocator)
    {
        Path = path;
        NativeHandle = library;
        Api = api;
        Version = version;
        CpuMemory = cpuMemory;
        DefaultAllocator = allocator;
    }

    /// <summary>The full path the library was loaded from.</summary>
    public string Path { get; }

    /// <summary>ORT's version string, e.g. <c>1.23.2</c>.</summary>
    public string Version { get; }

    internal nint NativeHandle { get; }

    internal OrtApi Api { get; }

    /// <summary>CPU memory info (arena allocator, default memory) for tensors over managed memory.</summary>
    internal OrtMemoryInfoHandle CpuMemory { get; }

    /// <summary>ORT's default allocator; never released.</summary>
    internal nint DefaultAllocator { get; }

    /// <summary>
    /// Loads ONNX Runtime from <paramref name="path"/>, else from the path in <c>GUARD_ORT_LIBRARY</c>.
    /// </summary>
    /// <exception cref="OnnxRuntimeException">No path, a missing file, a library that fails to load,
    /// or one that does not provide API version 23.</exception>
    public static OrtLibrary Load(string? path = null)
    {
        path ??= Environment.GetEnvironmentVariable(PathVariable);
        if (string.IsNullOrWhiteSpace(path))
        {
            throw new OnnxRuntimeException(
                $"No ONNX Runtime library given: pass its path or set {PathVariable} to the full path of " +
                $"libonnxruntime.so.1 (provision it with: export {PathVariable}=$(tools/onnxruntime.sh)).");
        }
        path = System.IO.Path.GetFullPath(path);
        if (!File.Exists(path))
        {
            throw new OnnxRuntimeException(
                $"The ONNX Runtime library '{path}' does not exist (provision it with: export {PathVariable}=$(tools/onnxruntime.sh)).");
        }

        nint library;
        try
        {
            library = NativeLibrary.Load(path);
        }
        catch (DllNotFoundException e)
        {
            throw new OnnxRuntimeException($"The ONNX Runtime library '{path}' failed to load: {e.Message}", e);
        }

        if (!NativeLibrary.TryGetExport(library, "OrtGetApiBase", out var getApiBase))
        {
            throw new OnnxRuntimeException($"'{path}' is not ONNX Runtime: it does not export OrtGetApiBase.");
        }
        // struct OrtApiBase { const OrtApi* (*GetApi)(uint32_t); const char* (*GetVersionString)(void); }
        var apiBase = (nint*)((delegate* unmanaged[Cdecl]<nint>)getApiBase)();
        var getApi = (delegate* unmanaged[Cdecl]<uint, nint>)apiBase[0];
        var getVersion = (delegate* unmanaged[Cdecl]<byte*>)apiBase[1];
        var version = Marshal.PtrToStringUTF8((nint)getVersion()) ?? "unknown";
        var apiPointer = getApi(OrtApi.Version);
        if (apiPointer == 0)
        {
            throw new OnnxRuntimeException(
                $"ONNX Runtime {version} at '{path}' does not provide OrtApi version {OrtApi.Version} (ORT 1.23 or later is required).");
        }

        var api = new OrtApi(apiPointer);
        var cpuMemory = new OrtMemoryInfoHandle(api);
        nint memoryInfo;
        api.Check(api.CreateCpuMemoryInfo(1 /* OrtArenaAllocator */, 0 /* OrtMemTypeDefault */, &memoryInfo));
        cpuMemory.Attach(memoryInfo);
        nint allocator;
        api.Check(api.GetAllocatorWithDefaultOptions(&allocator));
        return new OrtLibrary(path, library, api, version, cpuMemory, allocator);
    }

    /// <summary>
    /// The execution providers compiled into this build (<c>GetAvailableProviders</c>), highest priority first, e.g.
    /// <c>TensorrtExecutionProvider, CUDAExecutionProvider, CPUExecutionProvider</c>. Compiled in, not loadable: a listed
    /// GPU provider still fails to append where its provider library, CUDA, TensorRT or a GPU is missing.
    /// </summary>
    public IReadOnlyList<string> GetAvailableProviders()
    {
        byte** names;
        int count;
        Api.Check(Api.GetAvailableProviders(&names, &count));
        try
        {
            var providers = new string[count];
            for (var i = 0; i < count; i++)
            {
                providers[i] = Marshal.PtrToStringUTF8((nint)names[i]) ?? string.Empty;
            }
            return providers;
        }
        finally
        {
            Api.Check(Api.ReleaseAvailableProviders(names, count));
        }
    }

    /// <summary>Creates an environment; see <see cref="OrtEnvironment"/>.</summary>
    public OrtEnvironment CreateEnvironment(OrtLoggingLevel logLevel = OrtLoggingLevel.Warning, string logId = "guard")
        => new(this, logLevel, logId);
}
