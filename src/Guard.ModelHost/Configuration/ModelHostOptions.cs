namespace Guard.ModelHost.Configuration;

/// <summary>Where the host finds its models and which of them it serves.</summary>
public sealed class ModelHostOptions
{
    /// <summary>Folder laid out as <c>&lt;model&gt;/&lt;version&gt;/model.onnx</c> plus an optional <c>&lt;model&gt;/config.yaml</c>.</summary>
    public string Repository { get; set; } = "";

    /// <summary>Models to load; empty loads every model folder in the repository.</summary>
    public List<string> Models { get; set; } = new();

    /// <summary>Full path of <c>libonnxruntime.so.1</c>; unset uses <c>GUARD_ORT_LIBRARY</c>.</summary>
    public string? OnnxRuntimeLibrary { get; set; }
}
