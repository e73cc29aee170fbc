using System.Runtime.InteropServices;
using Guard.OnnxRuntime.Native;

namespace Guard.OnnxRuntime;

/// <summary>ORT's <c>GraphOptimizationLevel</c>.</summary>
public enum GraphOptimizationLevel
{
    DisableAll = 0,
    EnableBasic = 1,
    EnableExtended = 2,
    EnableAll = 99,
}

/// <summary>
/// <c>OrtSessionOptions</c>: threads, graph optimization, config entries and execution providers.
/// ORT copies them into each session, so one instance may configure several sessions and be disposed after.
/// </summary>
public sealed unsafe class SessionOptions : IDisposable
{
    /// <summary>The config key that stops idle intra-op threads from spin-waiting (value <c>"0"</c>).</summary>
    public const string AllowIntraOpSpinningKey = "session.intra_op.allow_spinning";

    private readonly OrtApi _api;

    public SessionOptions(OrtLibrary library)
    {
        ArgumentNullException.ThrowIfNull(library);
        _api = library.Api;
        Handle = new OrtSessionOptionsHandle(_api);
        nint options;
        _api.Check(_api.CreateSessionOptions(&options));
        Handle.Attach(options);
    }

    internal OrtSessionOptionsHandle Handle { get; }

    /// <summary>Threads used inside one operator; 0 lets ORT choose (one per physical core).</summary>
    public SessionOptions SetIntraOpThreads(int threads)
    {
        ArgumentOutOfRangeException.ThrowIfNegative(threads);
        _api.Check(_api.SetIntraOpNumThreads(Pointer, threads));
        return this;
    }

    /// <summary>Threads used to run independent operators in parallel; 0 lets ORT choose.</summary>
    public SessionOptions SetInterOpThreads(int threads)
    {
        ArgumentOutOfRangeException.ThrowIfNegative(threads);
        _api.Check(_api.SetInterOpNumThreads(Pointer, threads));
        return this;
    }

    public SessionOptions SetGraphOptimizationLevel(GraphOptimizationLevel level)
    {
        _api.Check(_api.SetSessionGraphOptimizationLevel(Pointer, (int)level));
        return this;
    }

    /// <summary>Adds a session config entry (<c>AddSessionConfigEntry</c>), e.g. <see cref="AllowIntraOpSpinningKey"/>.</summary>
    public SessionOptions AddConfigEntry(string key, string value)
    {
        ArgumentException.ThrowIfNullOrEmpty(key);
        ArgumentNullException.ThrowIfNull(value);
        var k = Marshal.StringToCoTaskMemUTF8(key);
        var v = Marshal.StringToCoTaskMemUTF8(value);
        try
        {
            _api.Check(_api.AddSessionConfigEntry(Pointer, (byte*)k, (byte*)v));
        }
        finally
        {
            Marshal.FreeCoTaskMem(k);
            Marshal.FreeCoTaskMem(v);
        }
        return this;
    }

    /// <summary>
    /// Appends the CUDA execution provider on <paramref name="deviceId"/> (<c>SessionOptionsAppendExecutionProvider_CUDA_V2</c>).
    /// Throws <see cref="OnnxRuntimeException"/> with ORT's reason when this build or machine has no CUDA provider.
    /// </summary>
    public SessionOptions AppendCudaProvider(int deviceId = 0)
    {
        ArgumentOutOfRangeException.ThrowIfNegative(deviceId);
        nint cuda;
        _api.Check(_api.CreateCUDAProviderOptions(&cuda));
        var key = Marshal.StringToCoTaskMemUTF8("device_id");
        var value = Marshal.StringToCoTaskMemUTF8(deviceId.ToString(System.Globalization.CultureInfo.InvariantCulture));
        try
        {
            var keys = (byte*)key;
            var values = (byte*)value;
            _api.Check(_api.UpdateCUDAProviderOptions(cuda, &keys, &values, 1));
            _api.Check(_api.SessionOptionsAppendExecutionProvider_CUDA_V2(Pointer, cuda));
        }
        finally
        {
            Marshal.FreeCoTaskMem(key);
            Marshal.FreeCoTaskMem(value);
            _api.ReleaseCUDAProviderOptions(cuda);
        }
        return this;
    }

    public void Dispose() => Handle.Dispose();

    private nint Pointer
    {
        get
        {
            ObjectDisposedException.ThrowIf(Handle.IsClosed, this);
            return Handle.DangerousGetHandle();
        }
    }
}
