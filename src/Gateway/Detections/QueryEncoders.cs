using Guard.Gateway.Configuration;
using Guard.Guards.QueryPatterns;
using Guard.OnnxRuntime;

namespace Guard.Gateway.Detections;

/// <summary>
/// The ONNX encoders k-NN stages embed queries with, loaded once per file and output for the life of the process (a
/// configuration reload that names the same encoder reuses it). ONNX Runtime is loaded on first use, from
/// <c>modelHost.onnxRuntimeLibrary</c> or <c>GUARD_ORT_LIBRARY</c>.
/// </summary>
public sealed class QueryEncoders(string? onnxRuntimeLibrary) : IDisposable
{
    private readonly Lock _lock = new();
    private readonly Dictionary<string, OnnxQueryEmbedder> _loaded = new(StringComparer.Ordinal);
    private OrtEnvironment? _environment;

    /// <exception cref="InvalidConfigurationException">ONNX Runtime or the encoder cannot be loaded, or the encoder
    /// does not have the shape an embedder needs; the message names <paramref name="at"/>.</exception>
    public IQueryEmbedder Get(string at, string path, string? output)
    {
        var key = $"{Path.GetFullPath(path)}|{output}";
        lock (_lock)
        {
            if (_loaded.TryGetValue(key, out var loaded))
            {
                return loaded;
            }

            try
            {
                _environment ??= OrtLibrary.Load(onnxRuntimeLibrary).CreateEnvironment(OrtLoggingLevel.Warning, "guard-encoders");
                var embedder = new OnnxQueryEmbedder(_environment, path, output);
                _loaded[key] = embedder;
                return embedder;
            }
            catch (Exception ex) when (ex is OnnxRuntimeException or ArgumentException)
            {
                throw new InvalidConfigurationException([$"{at}: {ex.Message}"]);
            }
        }
    }

    public void Dispose()
    {
        lock (_lock)
        {
            foreach (var embedder in _loaded.Values)
            {
                embedder.Dispose();
            }

            _loaded.Clear();
            _environment?.Dispose();
        }
    }
}
