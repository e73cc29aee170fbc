using Guard.Guards.Model;
using Guard.ModelHost;
using Guard.ModelHost.Configuration;
using Guard.OnnxRuntime;
using Microsoft.Extensions.Logging;

namespace Guard.Gateway.Embedded;

/// <summary>
/// The embedded model host as the gateway owns it: ONNX Runtime loaded (from modelHost.onnxRuntimeLibrary or
/// GUARD_ORT_LIBRARY), the repository's models loaded once at start, and each model's execution provider published
/// as a metric. Disposed with the process.
/// </summary>
public sealed partial class EmbeddedModels : IAsyncDisposable
{
    private readonly OrtEnvironment _environment;
    private readonly string _loadedFrom;
    private readonly Dictionary<HostedModel, ModelSignature> _signatures;

    private EmbeddedModels(ModelHostOptions options, OrtEnvironment environment, Guard.ModelHost.ModelHost host)
    {
        _environment = environment;
        Host = host;
        _loadedFrom = Describe(options);

        // The host's models never change after load: their signatures are built once, not per request.
        _signatures = host.Loaded.ToDictionary(m => m, m => ModelSignature.FromMetadata(EmbeddedInference.Metadata(host, m)));
    }

    /// <summary>What <paramref name="model"/> takes and gives, for the validation guard.</summary>
    public ModelSignature SignatureOf(HostedModel model) => _signatures[model];

    public Guard.ModelHost.ModelHost Host { get; }

    /// <exception cref="OnnxRuntimeException">ONNX Runtime cannot be found or loaded.</exception>
    /// <exception cref="ExecutionProviderUnavailableException">A model's provider cannot load and it allows no fallback.</exception>
    public static EmbeddedModels Load(ModelHostOptions options, ModelHostMetrics metrics, ILogger<EmbeddedModels> logger)
    {
        ArgumentNullException.ThrowIfNull(options);
        ArgumentNullException.ThrowIfNull(metrics);
        var library = OrtLibrary.Load(options.OnnxRuntimeLibrary is { Length: > 0 } path ? path : null);
        LogRuntime(logger, library.Version, library.Path, string.Join(", ", library.GetAvailableProviders()));
        var environment = library.CreateEnvironment(OrtLoggingLevel.Warning, "guard");
        try
        {
            var host = Guard.ModelHost.ModelHost.Load(options, environment, metrics, logger);
            metrics.Publish(host);
            return new EmbeddedModels(options, environment, host);
        }
        catch
        {
            environment.Dispose();
            throw;
        }
    }

    /// <summary>Whether <paramref name="options"/> is what the host was loaded from (a reload cannot change it).</summary>
    public bool IsLoadedFrom(ModelHostOptions? options) => options is not null && Describe(options) == _loadedFrom;

    private static string Describe(ModelHostOptions options) =>
        $"{Path.GetFullPath(options.Repository)}|{string.Join(",", options.Models)}|{options.OnnxRuntimeLibrary}";

    public async ValueTask DisposeAsync()
    {
        await Host.DisposeAsync();
        _environment.Dispose();
    }

    [LoggerMessage(Level = LogLevel.Information, Message = "ONNX Runtime {Version} loaded from {Path} (providers compiled in: {Providers})")]
    private static partial void LogRuntime(ILogger logger, string version, string path, string providers);
}
