using Guard.TestSupport;

namespace Guard.Integration.Tests.Infrastructure;

/// <summary>
/// A model repository in a temp folder, built from the committed demo models, plus whatever a test adds
/// (a corrupt model, a config asking for a GPU). Deleted on dispose.
/// </summary>
public sealed class TempModelRepository : IDisposable
{
    public TempModelRepository()
    {
        Path = Directory.CreateTempSubdirectory("guard-models-").FullName;
    }

    public string Path { get; }

    /// <summary>The pinned ONNX Runtime: GUARD_ORT_LIBRARY (tools/test.sh sets it), else provisioned now.</summary>
    public static string OrtLibrary => OrtLibraryPath.Value;

    /// <summary>Copies demo model <paramref name="demo"/> (its versions and config.yaml) in as <paramref name="name"/>.</summary>
    public TempModelRepository AddDemo(string demo, string? name = null, string? config = null)
    {
        var source = System.IO.Path.Combine(RepoPaths.Root, "models", demo);
        var target = System.IO.Path.Combine(Path, name ?? demo);
        Directory.CreateDirectory(System.IO.Path.Combine(target, "1"));
        File.Copy(System.IO.Path.Combine(source, "1", "model.onnx"), System.IO.Path.Combine(target, "1", "model.onnx"));
        File.WriteAllText(System.IO.Path.Combine(target, "config.yaml"), config ?? File.ReadAllText(System.IO.Path.Combine(source, "config.yaml")));
        if (File.Exists(System.IO.Path.Combine(source, "metrics.json")))
        {
            // How the model was trained (the console lists noise-trained ones for smoothing by their sigma_train).
            File.Copy(System.IO.Path.Combine(source, "metrics.json"), System.IO.Path.Combine(target, "metrics.json"));
        }

        return this;
    }

    /// <summary>Adds a model whose version 1 is <paramref name="bytes"/> (e.g. garbage).</summary>
    public TempModelRepository AddRaw(string name, byte[] bytes)
    {
        var folder = System.IO.Path.Combine(Path, name, "1");
        Directory.CreateDirectory(folder);
        File.WriteAllBytes(System.IO.Path.Combine(folder, "model.onnx"), bytes);
        return this;
    }

    /// <summary>The modelHost section for a Guard YAML configuration.</summary>
    public string ModelHostYaml(params string[] models) =>
        $"modelHost:\n  repository: {Path}\n  onnxRuntimeLibrary: {OrtLibrary}\n" +
        (models.Length > 0 ? $"  models: [ {string.Join(", ", models)} ]\n" : "");

    public void Dispose()
    {
        try
        {
            Directory.Delete(Path, recursive: true);
        }
        catch (IOException)
        {
        }
    }
}
