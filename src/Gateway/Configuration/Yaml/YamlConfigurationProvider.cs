using System.Runtime.ExceptionServices;
using Microsoft.Extensions.Configuration;

namespace Guard.Gateway.Configuration.Yaml;

/// <summary>
/// Loads a YAML file into flat configuration keys (<c>a:b:0</c>). Once a file has loaded, a later broken version
/// (a reload while someone is still editing) keeps the last good data and is reported through
/// <see cref="FileConfigurationSource.OnLoadException"/>, instead of the base behaviour of emptying the configuration.
/// </summary>
public sealed class YamlConfigurationProvider : FileConfigurationProvider
{
    private volatile bool _loadedOnce;

    public YamlConfigurationProvider(YamlConfigurationSource source)
        : base(source)
    {
    }

    public override void Load()
    {
        try
        {
            base.Load();
        }
        catch (InvalidDataException ex) when (ex.InnerException is FormatException yamlError)
        {
            // The base wraps the parse error in "Failed to load configuration from file"; ours already names the
            // file, line and column, so surface it as the start-up error.
            ExceptionDispatchInfo.Throw(yamlError);
        }
    }

    public override void Load(Stream stream)
    {
        Dictionary<string, string?> data;
        try
        {
            data = YamlConfigurationFileParser.Parse(stream, DisplayPath());
        }
        catch (FormatException ex) when (_loadedOnce)
        {
            // Returning normally leaves Data as it was (the handler's Ignore makes no difference here); the base then
            // raises the reload token and consumers re-read the same values.
            Source.OnLoadException?.Invoke(new FileLoadExceptionContext { Provider = this, Exception = ex });
            return;
        }

        Data = data;
        _loadedOnce = true;
    }

    private string DisplayPath()
    {
        string path = Source.Path ?? string.Empty;
        return Source.FileProvider?.GetFileInfo(path).PhysicalPath ?? path;
    }
}
