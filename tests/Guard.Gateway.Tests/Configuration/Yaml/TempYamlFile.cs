namespace Guard.Gateway.Tests.Configuration.Yaml;

/// <summary>A YAML file in a fresh temporary directory, deleted with the directory on dispose.</summary>
internal sealed class TempYamlFile : IDisposable
{
    public TempYamlFile(string contents, string fileName = "guard.yaml")
    {
        Directory = System.IO.Directory.CreateTempSubdirectory("guard-yaml-tests-").FullName;
        Path = System.IO.Path.Combine(Directory, fileName);
        Write(contents);
    }

    public string Directory { get; }

    public string Path { get; }

    public void Write(string contents) => File.WriteAllText(Path, contents);

    public void Dispose()
    {
        try
        {
            System.IO.Directory.Delete(Directory, recursive: true);
        }
        catch (IOException)
        {
            // A watcher may still hold the directory for a moment; the OS temp cleaner gets it later.
        }
    }
}
