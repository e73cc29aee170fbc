using System.Runtime.InteropServices;

using Guard.OnnxRuntime;

namespace Guard.TestSupport;

/// <summary>
/// Decides, without ORT, whether a GPU execution provider of the loaded build can work on this machine, so a test
/// expects either success or ORT's failure and can fail both ways: an NVIDIA device node, and ORT's provider library
/// beside libonnxruntime.so.1 that the dynamic loader opens with all its dependencies (CUDA, cuDNN, TensorRT).
/// </summary>
public static class GpuProviderHost
{
    private const string DeviceNode = "/dev/nvidiactl";

    /// <summary>
    /// True when <c>libonnxruntime_providers_{provider}.so</c> (<c>cuda</c>, <c>tensorrt</c>) should load;
    /// otherwise <paramref name="reason"/> says what is missing.
    /// </summary>
    public static bool CanLoad(string ortLibraryPath, string provider, out string reason)
    {
        if (!File.Exists(DeviceNode))
        {
            reason = $"no {DeviceNode}: no NVIDIA GPU or driver";
            return false;
        }

        // ORT loads provider libraries from its own directory, the shared bridge first.
        var directory = Path.GetDirectoryName(ortLibraryPath)!;
        foreach (var name in new[] { "shared", provider })
        {
            var path = Path.Combine(directory, $"libonnxruntime_providers_{name}.so");
            if (!File.Exists(path))
            {
                reason = $"no {path}";
                return false;
            }

            try
            {
                // Left loaded: ORT opens the same file again when the provider is appended.
                NativeLibrary.Load(path);
            }
            catch (DllNotFoundException e)
            {
                reason = $"{path} does not load: {e.Message}";
                return false;
            }
        }

        reason = "GPU present and provider library loads";
        return true;
    }
}
