using System.Buffers;
using System.Runtime.InteropServices;

namespace Guard.OnnxRuntime.Native;

/// <summary>A handle to an ORT object, released with the matching <c>Release*</c> function.</summary>
internal abstract class OrtHandle : SafeHandle
{
    protected OrtHandle(OrtApi api)
        : base(0, ownsHandle: true)
    {
        Api = api;
    }

    protected OrtApi Api { get; }

    public override bool IsInvalid => handle == 0;

    /// <summary>Takes ownership of a freshly created ORT pointer.</summary>
    public void Attach(nint value) => SetHandle(value);
}

internal sealed class OrtEnvHandle(OrtApi api) : OrtHandle(api)
{
    protected override unsafe bool ReleaseHandle()
    {
        Api.ReleaseEnv(handle);
        return true;
    }
}

internal sealed class OrtSessionOptionsHandle(OrtApi api) : OrtHandle(api)
{
    protected override unsafe bool ReleaseHandle()
    {
        Api.ReleaseSessionOptions(handle);
        return true;
    }
}

internal sealed class OrtMemoryInfoHandle(OrtApi api) : OrtHandle(api)
{
    protected override unsafe bool ReleaseHandle()
    {
        Api.ReleaseMemoryInfo(handle);
        return true;
    }
}

/// <summary>
/// An <c>OrtSession*</c>. It holds a reference on its environment's handle, because ORT requires the
/// environment to outlive every session.
/// </summary>
internal sealed class OrtSessionHandle(OrtApi api, OrtEnvHandle env) : OrtHandle(api)
{
    private bool _envReferenced;

    public void ReferenceEnvironment()
    {
        env.DangerousAddRef(ref _envReferenced);
    }

    protected override unsafe bool ReleaseHandle()
    {
        Api.ReleaseSession(handle);
        if (_envReferenced)
        {
            env.DangerousRelease();
        }
        return true;
    }
}

/// <summary>
/// An <c>OrtValue*</c>. When the value wraps managed memory, the pin is released only after
/// <c>ReleaseValue</c>, also when the handle is finalized rather than disposed.
/// </summary>
internal sealed class OrtValueHandle(OrtApi api) : OrtHandle(api)
{
    private MemoryHandle _pin;

    public void KeepPinned(MemoryHandle pin) => _pin = pin;

    protected override unsafe bool ReleaseHandle()
    {
        Api.ReleaseValue(handle);
        _pin.Dispose();
        return true;
    }
}
