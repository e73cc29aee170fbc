using System.Globalization;
using Guard.ModelHost.Configuration;
using Guard.ModelHost.Repository;
using Guard.OnnxRuntime;
using Microsoft.Extensions.Logging;

namespace Guard.ModelHost;

/// <summary>A version that did not load, and ORT's (or the config's) reason.</summary>
public sealed record ModelLoadFailure(string Model, string Version, string Reason);

/// <summary>
/// The embedded model host: every model of a repository, loaded once at start. A version that fails to load
/// (corrupt file, unsupported operator, bad config) is recorded with its reason and answered as unavailable; the
/// others serve. An execution provider that cannot load fails the whole start unless the model allows CPU fallback.
/// </summary>
public sealed partial class ModelHost : IAsyncDisposable
{
    private readonly Dictionary<string, HostedModel[]> _models;
    private readonly Dictionary<(string Model, string Version), ModelLoadFailure> _failures;
    private readonly HashSet<string> _known;

    private ModelHost(Dictionary<string, HostedModel[]> models, Dictionary<(string, string), ModelLoadFailure> failures, HashSet<string> known)
    {
        _models = models;
        _failures = failures;
        _known = known;
    }

    /// <summary>Names of the models in the repository (loaded or not).</summary>
    public IReadOnlyCollection<string> ModelNames => _known;

    /// <summary>Every loaded version, highest version first per model.</summary>
    public IEnumerable<HostedModel> Loaded => _models.Values.SelectMany(v => v);

    public IEnumerable<ModelLoadFailure> Failures => _failures.Values;

    /// <summary>Scans the repository and loads every model version in it.</summary>
    /// <exception cref="DirectoryNotFoundException">The repository or a model named in the options is missing.</exception>
    /// <exception cref="ExecutionProviderUnavailableException">A model's provider cannot load and it allows no fallback.</exception>
    public static ModelHost Load(ModelHostOptions options, OrtEnvironment environment, IInferenceObserver? observer, ILogger logger)
    {
        ArgumentNullException.ThrowIfNull(options);
        ArgumentNullException.ThrowIfNull(environment);
        var sources = ModelRepository.Scan(options.Repository, options.Models);
        var failures = new Dictionary<(string, string), ModelLoadFailure>();
        void Fail(string model, string version, string reason)
        {
            failures[(model, version)] = new ModelLoadFailure(model, version, reason);
            LogLoadFailed(logger, model, version.Length > 0 ? version : "(none)", reason);
        }

        // Sessions first, so that a fatal provider failure has only sessions to release, no schedulers to stop.
        var factory = new SessionFactory(environment, logger);
        var sessions = new List<(ModelSource Source, ModelVersionSource Version, ModelConfig Config, InferenceSession Session, ExecutionProviderChoice Provider)>();
        try
        {
            foreach (var source in sources)
            {
                if (source.Versions.Count == 0)
                {
                    Fail(source.Name, "", $"'{source.Folder}' has no numeric version folder holding {ModelRepository.ModelFileName}.");
                }

                foreach (var version in source.Versions)
                {
                    try
                    {
                        var config = ModelConfigReader.Read(source.ConfigPath);
                        if (!File.Exists(version.ModelPath))
                        {
                            throw new FileNotFoundException($"{version.ModelPath} does not exist.");
                        }

                        var (session, provider) = factory.Create(source.Name, version.Version, version.ModelPath, config);
                        sessions.Add((source, version, config, session, provider));
                    }
                    catch (Exception ex) when (ex is OnnxRuntimeException or InvalidModelConfigException or IOException or UnauthorizedAccessException)
                    {
                        Fail(source.Name, version.Version, ex is OnnxRuntimeException ? $"ONNX Runtime cannot load {version.ModelPath}: {ex.Message}" : ex.Message);
                    }
                }
            }
        }
        catch
        {
            foreach (var loaded in sessions)
            {
                loaded.Session.Dispose();
            }
            throw;
        }

        var models = sources.ToDictionary(s => s.Name, _ => new List<HostedModel>(), StringComparer.Ordinal);
        foreach (var (source, version, config, session, provider) in sessions)
        {
            try
            {
                models[source.Name].Add(new HostedModel(source.Name, version.Version, config, session, provider, environment.Library, observer));
                LogLoaded(logger, source.Name, version.Version, provider.Actual, version.ModelPath);
            }
            catch (InvalidModelConfigException ex)
            {
                session.Dispose();
                Fail(source.Name, version.Version, ex.Message);
            }
        }

        return new ModelHost(
            models.ToDictionary(m => m.Key, m => m.Value.OrderByDescending(v => long.Parse(v.Version, CultureInfo.InvariantCulture)).ToArray(), StringComparer.Ordinal),
            failures,
            new HashSet<string>(sources.Select(s => s.Name), StringComparer.Ordinal));
    }

    /// <summary>
    /// The version that serves a request: the one named, or the highest loaded one when <paramref name="version"/> is empty.
    /// </summary>
    /// <exception cref="InferenceException">NotFound for an unknown model or version; Unavailable for one that failed to load.</exception>
    public HostedModel Resolve(string model, string version)
    {
        if (!_known.Contains(model))
        {
            throw new InferenceException(InferenceErrorKind.NotFound, $"Unknown model '{model}': the model repository has no such model.");
        }

        var versions = _models[model];
        if (version.Length == 0)
        {
            if (versions.Length > 0)
            {
                return versions[0];
            }

            var failure = _failures.Values.FirstOrDefault(f => f.Model == model);
            throw new InferenceException(InferenceErrorKind.Unavailable, $"Model '{model}' is not available: {failure?.Reason ?? "no version loaded."}");
        }

        foreach (var hosted in versions)
        {
            if (hosted.Version == version)
            {
                return hosted;
            }
        }

        if (_failures.TryGetValue((model, version), out var failed))
        {
            throw new InferenceException(InferenceErrorKind.Unavailable, $"Model '{model}' version {version} is not available: {failed.Reason}");
        }

        throw new InferenceException(InferenceErrorKind.NotFound, $"Model '{model}' has no version {version}.");
    }

    /// <summary>Whether <see cref="Resolve"/> would find a loaded version.</summary>
    public bool IsReady(string model, string version)
    {
        if (!_models.TryGetValue(model, out var versions))
        {
            return false;
        }

        return version.Length == 0 ? versions.Length > 0 : versions.Any(v => v.Version == version);
    }

    /// <summary>The loaded versions of <paramref name="model"/>, highest first (empty for an unknown one).</summary>
    public IReadOnlyList<HostedModel> VersionsOf(string model) => _models.TryGetValue(model, out var versions) ? versions : [];

    public async ValueTask DisposeAsync()
    {
        foreach (var model in Loaded)
        {
            await model.DisposeAsync();
        }
    }

    [LoggerMessage(Level = LogLevel.Information, Message = "Loaded model {Model} version {Version} on {Provider} from {Path}")]
    private static partial void LogLoaded(ILogger logger, string model, string version, string provider, string path);

    [LoggerMessage(Level = LogLevel.Error, Message = "Model {Model} version {Version} failed to load: {Reason}")]
    private static partial void LogLoadFailed(ILogger logger, string model, string version, string reason);
}
