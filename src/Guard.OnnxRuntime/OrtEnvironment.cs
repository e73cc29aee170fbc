using System.Runtime.InteropServices;
using Guard.OnnxRuntime.Native;

namespace Guard.OnnxRuntime;

/// <summary>ORT's <c>OrtLoggingLevel</c>: the minimum severity ORT logs (to stderr).</summary>
public enum OrtLoggingLevel
{
    Verbose = 0,
    Info = 1,
    Warning = 2,
    Error = 3,
    Fatal = 4,
}

/// <summary>
/// An <c>OrtEnv</c>: ORT's logging and global state. One per process is enough; the caller owns it.
/// Sessions keep it alive until they are disposed, even when it is disposed first.
/// </summary>
public sealed unsafe class OrtEnvironment : IDisposable
{
    internal OrtEnvironment(OrtLibrary library, OrtLoggingLevel logLevel, string logId)
    {
        ArgumentNullException.ThrowIfNull(library);
        ArgumentNullException.ThrowIfNull(logId);
        Library = library;
        Handle = new OrtEnvHandle(library.Api);
        var id = Marshal.StringToCoTaskMemUTF8(logId);
        try
        {
            nint env;
            library.Api.Check(library.Api.CreateEnv((int)logLevel, (byte*)id, &env));
            Handle.Attach(env);
        }
        finally
        {
            Marshal.FreeCoTaskMem(id);
        }
    }

    public OrtLibrary Library { get; }

    internal OrtEnvHandle Handle { get; }

    public void Dispose() => Handle.Dispose();
}
