using Guard.TestSupport;

namespace Guard.ModelHost.Tests.Support;

/// <summary>A model repository in a temporary folder, deleted on dispose.</summary>
public sealed class TestRepository : IDisposable
{
    /// <summary>A config for the demo model that keeps tests light on a small machine: one intra-op thread.</summary>
    public const string LightConfig = """
        maxBatchSize: 256
        dynamicBatching:
          enabled: true
          maxQueueDelayMicroseconds: 500
        threads:
          intraOp: 1
        """;

    public TestRepository()
    {
        Root = Path.Combine(Path.GetTempPath(), "guard-modelhost-tests", Guid.NewGuid().ToString("N"));
        Directory.CreateDirectory(Root);
    }

    public string Root { get; }

    /// <summary>Copies the demo model (fashion_cnn's model.onnx) to <c>{name}/{version}/model.onnx</c>.</summary>
    public TestRepository AddDemo(string name, string version = "1", string? config = LightConfig)
    {
        var folder = Directory.CreateDirectory(Path.Combine(Root, name, version)).FullName;
        File.Copy(DemoSet.ModelPath(DemoData.Model), Path.Combine(folder, "model.onnx"), overwrite: true);
        return config is null ? this : Config(name, config);
    }

    /// <summary>Writes <paramref name="model"/> bytes to <c>{name}/{version}/model.onnx</c>.</summary>
    public TestRepository Add(string name, byte[] model, string version = "1", string? config = "threads:\n  intraOp: 1\n")
    {
        var folder = Directory.CreateDirectory(Path.Combine(Root, name, version)).FullName;
        File.WriteAllBytes(Path.Combine(folder, "model.onnx"), model);
        return config is null ? this : Config(name, config);
    }

    /// <summary>Creates <c>{relative}</c> as an empty folder.</summary>
    public TestRepository Folder(string relative)
    {
        Directory.CreateDirectory(Path.Combine(Root, relative));
        return this;
    }

    /// <summary>Writes <c>{name}/config.yaml</c>.</summary>
    public TestRepository Config(string name, string yaml)
    {
        Directory.CreateDirectory(Path.Combine(Root, name));
        File.WriteAllText(ConfigPath(name), yaml);
        return this;
    }

    public string ConfigPath(string name) => Path.Combine(Root, name, "config.yaml");

    public string ModelPath(string name, string version = "1") => Path.Combine(Root, name, version, "model.onnx");

    public void Dispose()
    {
        try
        {
            Directory.Delete(Root, recursive: true);
        }
        catch (IOException)
        {
            // Best effort: a temporary folder left behind is harmless.
        }
    }
}
