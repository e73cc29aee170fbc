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

    private const string DeviceIdKey = "device_id";

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
    /// Appends the CUDA execution provider on <paramref name="deviceId"/> (<c>SessionOptionsAppendExecutionProvider_CUDA_V2</c>),
    /// with CUDA provider <paramref name="options"/> such as <c>gpu_mem_limit</c>, <c>arena_extend_strategy</c> or
    /// <c>cudnn_conv_algo_search</c>, set together with <c>device_id</c> in one <c>UpdateCUDAProviderOptions</c>.
    /// </summary>
    /// <exception cref="ArgumentException"><paramref name="options"/> holds <c>device_id</c> (pass <paramref name="deviceId"/>)
    /// or a null value.</exception>
    /// <exception cref="OnnxRuntimeException">ORT's reason: the provider library, CUDA or a GPU is missing, or an option
    /// is unknown or invalid. Nothing is appended then.</exception>
    public SessionOptions AppendCudaProvider(int deviceId = 0, IReadOnlyDictionary<string, string>? options = null)
    {
        AppendProvider(
            deviceId, options,
            _api.CreateCUDAProviderOptions, _api.UpdateCUDAProviderOptions,
            _api.SessionOptionsAppendExecutionProvider_CUDA_V2, _api.ReleaseCUDAProviderOptions);
        return this;
    }

    /// <summary>
    /// Appends the TensorRT execution provider on <paramref name="deviceId"/> (<c>SessionOptionsAppendExecutionProvider_TensorRT_V2</c>),
    /// with TensorRT provider <paramref name="options"/> such as <c>trt_max_workspace_size</c> or <c>trt_fp16_enable</c>,
    /// set together with <c>device_id</c> in one <c>UpdateTensorRTProviderOptions</c>. Append CUDA after it for the
    /// nodes TensorRT does not take.
    /// </summary>
    /// <exception cref="ArgumentException"><paramref name="options"/> holds <c>device_id</c> (pass <paramref name="deviceId"/>)
    /// or a null value.</exception>
    /// <exception cref="OnnxRuntimeException">ORT's reason: the provider library, TensorRT, CUDA or a GPU is missing,
    /// or an option is unknown or invalid. Nothing is appended then.</exception>
    public SessionOptions AppendTensorRtProvider(int deviceId = 0, IReadOnlyDictionary<string, string>? options = null)
    {
        AppendProvider(
            deviceId, options,
            _api.CreateTensorRTProviderOptions, _api.UpdateTensorRTProviderOptions,
            _api.SessionOptionsAppendExecutionProvider_TensorRT_V2, _api.ReleaseTensorRTProviderOptions);
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

    /// <summary>
    /// The V2 provider-options dance shared by CUDA and TensorRT: create, update all keys at once, append, and
    /// always release (ORT copies the provider options on append).
    /// </summary>
    private void AppendProvider(
        int deviceId,
        IReadOnlyDictionary<string, string>? options,
        delegate* unmanaged[Cdecl]<nint*, nint> create,
        delegate* unmanaged[Cdecl]<nint, byte**, byte**, nuint, nint> update,
        delegate* unmanaged[Cdecl]<nint, nint, nint> append,
        delegate* unmanaged[Cdecl]<nint, void> release)
    {
        ArgumentOutOfRangeException.ThrowIfNegative(deviceId);
        using var pairs = new Utf8Pairs(WithDeviceId(deviceId, options));
        var sessionOptions = Pointer;
        nint providerOptions;
        _api.Check(create(&providerOptions));
        try
        {
            fixed (nint* keys = pairs.Keys)
            fixed (nint* values = pairs.Values)
            {
                _api.Check(update(providerOptions, (byte**)keys, (byte**)values, (nuint)pairs.Count));
            }
            _api.Check(append(sessionOptions, providerOptions));
        }
        finally
        {
            release(providerOptions);
        }
    }

    /// <summary><c>device_id</c> first, then the caller's options, which may not set it a second way.</summary>
    private static List<KeyValuePair<string, string>> WithDeviceId(int deviceId, IReadOnlyDictionary<string, string>? options)
    {
        var pairs = new List<KeyValuePair<string, string>>(1 + (options?.Count ?? 0))
        {
            new(DeviceIdKey, deviceId.ToString(System.Globalization.CultureInfo.InvariantCulture)),
        };
        foreach (var (key, value) in options ?? Enumerable.Empty<KeyValuePair<string, string>>())
        {
            if (key == DeviceIdKey)
            {
                throw new ArgumentException($"Pass the device as deviceId, not as the option '{DeviceIdKey}'.", nameof(options));
            }
            if (value is null)
            {
                throw new ArgumentException($"The option '{key}' has a null value.", nameof(options));
            }
            pairs.Add(new(key, value));
        }
        return pairs;
    }
}
