using YamlDotNet.Core;
using YamlDotNet.Serialization;
using YamlDotNet.Serialization.NamingConventions;

namespace Guard.ModelHost.Configuration;

/// <summary>Reads and checks a model's <c>config.yaml</c>; unknown keys and bad values are errors naming the file.</summary>
public static class ModelConfigReader
{
    private static readonly IDeserializer Deserializer = new DeserializerBuilder()
        .WithNamingConvention(CamelCaseNamingConvention.Instance)
        .Build();

    /// <summary>The model's config, or the defaults when <paramref name="path"/> does not exist.</summary>
    /// <exception cref="InvalidModelConfigException">The file is malformed or a value is out of range.</exception>
    public static ModelConfig Read(string path)
    {
        if (!File.Exists(path))
        {
            return new ModelConfig();
        }

        ModelConfig? config;
        try
        {
            config = Deserializer.Deserialize<ModelConfig?>(File.ReadAllText(path));
        }
        catch (YamlException ex)
        {
            throw new InvalidModelConfigException($"{path}: {Describe(ex)}", ex);
        }

        config ??= new ModelConfig();
        // An empty section ("threads:" with nothing under it) deserializes as null: it means the section's defaults.
        config.DynamicBatching ??= new DynamicBatchingConfig();
        config.ExecutionProvider ??= new ExecutionProviderConfig();
        config.ExecutionProvider.Options ??= new Dictionary<string, string>(StringComparer.Ordinal);
        config.Threads ??= new ThreadsConfig();
        var errors = Validate(config);
        return errors.Count == 0 ? config : throw new InvalidModelConfigException($"{path}: {string.Join("; ", errors)}");
    }

    public static List<string> Validate(ModelConfig config)
    {
        var errors = new List<string>();
        if (config.MaxBatchSize is < 0)
        {
            errors.Add("maxBatchSize must be 0 or more");
        }
        if (config.Instances < 1)
        {
            errors.Add("instances must be 1 or more");
        }
        if (config.MaxQueueSize < 1)
        {
            errors.Add("maxQueueSize must be 1 or more");
        }
        if (config.DynamicBatching.MaxQueueDelayMicroseconds < 0)
        {
            errors.Add("dynamicBatching.maxQueueDelayMicroseconds must be 0 or more");
        }
        if (config.DynamicBatching.Enabled && config.MaxBatchSize == 0)
        {
            errors.Add("dynamicBatching needs a model that batches (maxBatchSize above 0)");
        }
        if (config.ExecutionProvider.Kind is not (ExecutionProviderConfig.Cpu or ExecutionProviderConfig.Cuda or ExecutionProviderConfig.TensorRt))
        {
            errors.Add($"executionProvider.kind '{config.ExecutionProvider.Kind}' is not one of cpu, cuda, tensorrt");
        }
        if (config.ExecutionProvider.DeviceId < 0)
        {
            errors.Add("executionProvider.deviceId must be 0 or more");
        }
        if (config.Threads.IntraOp < 0 || config.Threads.InterOp < 0)
        {
            errors.Add("threads.intraOp and threads.interOp must be 0 or more");
        }
        if (config.GraphOptimization is not ("disabled" or "basic" or "extended" or "all"))
        {
            errors.Add($"graphOptimization '{config.GraphOptimization}' is not one of disabled, basic, extended, all");
        }

        return errors;
    }

    private static string Describe(YamlException ex) =>
        ex.InnerException is { } inner ? $"line {ex.Start.Line}: {inner.Message}" : $"line {ex.Start.Line}: {ex.Message}";
}

/// <summary>A model's <c>config.yaml</c> is malformed or holds a value out of range.</summary>
public sealed class InvalidModelConfigException : Exception
{
    public InvalidModelConfigException()
    {
    }

    public InvalidModelConfigException(string message)
        : base(message)
    {
    }

    public InvalidModelConfigException(string message, Exception innerException)
        : base(message, innerException)
    {
    }
}
