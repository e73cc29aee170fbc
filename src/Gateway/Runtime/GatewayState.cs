using Guard.Gateway.Configuration;
using Guard.Gateway.Metrics;
using Guard.Gateway.Upstreams;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.Primitives;

namespace Guard.Gateway.Runtime;

/// <summary>
/// Holds the snapshot in force and replaces it when the configuration changes. An invalid new configuration
/// is logged and ignored: the previous one stays in force. Listener addresses are read once at start.
/// </summary>
public sealed partial class GatewayState : IDisposable
{
    // In-flight calls on a removed endpoint get this long before its connections close.
    private static readonly TimeSpan DrainDelay = TimeSpan.FromSeconds(30);

    private readonly ILogger<GatewayState> _logger;
    private readonly GatewayMetrics _metrics;
    private readonly IDisposable? _subscription;
    private readonly Lock _reloadLock = new();
    private readonly CancellationTokenSource _disposed = new();
    private readonly Embedded.EmbeddedModels? _embedded;
    private readonly State.StateStoreHost? _stateHost;
    private readonly Detections.QueryEncoders? _encoders;
    private readonly IConfiguration _configuration;
    private volatile GatewaySnapshot _current;
    private PolicyOverlayOptions _overlay = PolicyOverlayOptions.None;
    private GuardOptions _fileOptions;

    /// <param name="initial">Options already bound and validated from <paramref name="configuration"/>.</param>
    /// <param name="embedded">The embedded model host loaded from <paramref name="initial"/>, if it configures one.</param>
    /// <param name="stateHost">The state built from <paramref name="initial"/>'s state section (fixed until restart).</param>
    public GatewayState(GuardOptions initial, IConfiguration configuration, GatewayMetrics metrics, ILogger<GatewayState> logger, Embedded.EmbeddedModels? embedded = null, State.StateStoreHost? stateHost = null, Detections.QueryEncoders? encoders = null)
    {
        _logger = logger;
        _metrics = metrics;
        _embedded = embedded;
        _stateHost = stateHost;
        _encoders = encoders;
        _configuration = configuration;
        _fileOptions = initial;
        _current = GatewaySnapshotBuilder.Build(initial, null, 1, embedded, stateHost, encoders);
        Publish(_current);
        _subscription = ChangeToken.OnChange(configuration.GetReloadToken, () => Reload(configuration));
    }

    public GatewaySnapshot Current => _current;

    /// <summary>The options as the configuration file has them, before admin policy changes.</summary>
    public GuardOptions FileOptions => _fileOptions;

    /// <summary>The admin policy version in force (0: none).</summary>
    public long PolicyVersion => _overlay.Version;

    /// <summary>
    /// The options the file and <paramref name="overlay"/> make together: the overlay's policies replace the file's
    /// of the same name. Throws <see cref="InvalidConfigurationException"/> with every problem.
    /// </summary>
    public GuardOptions Compose(PolicyOverlayOptions overlay) => Compose(_configuration, overlay);

    /// <summary>Puts admin policy changes in force (and keeps them over later file reloads); false, with the previous
    /// changes kept, when they do not make a valid configuration together with the file.</summary>
    public bool ApplyPolicies(PolicyOverlayOptions overlay)
    {
        lock (_reloadLock)
        {
            var previous = _overlay;
            _overlay = overlay;
            if (Reload(_configuration))
            {
                return true;
            }

            _overlay = previous;
            return false;
        }
    }

    private static GuardOptions Compose(IConfiguration configuration, PolicyOverlayOptions overlay)
    {
        var options = GuardOptionsBinder.Bind(configuration);
        foreach (var (name, policy) in overlay.Policies)
        {
            options.Policies[name] = policy;
        }

        var problems = GuardOptionsValidator.Validate(options);
        return problems.Count > 0 ? throw new InvalidConfigurationException(problems) : options;
    }

    /// <summary>Raised after a new snapshot is in force.</summary>
    public event Action<GatewaySnapshot>? Changed;

    public void Dispose()
    {
        _subscription?.Dispose();
        _disposed.Cancel();
        foreach (var endpoint in _current.AllEndpoints)
        {
            endpoint.Dispose();
        }

        _disposed.Dispose();
    }

    private bool Reload(IConfiguration configuration)
    {
        lock (_reloadLock)
        {
            GuardOptions options, fileOptions;
            try
            {
                fileOptions = GuardOptionsBinder.BindValid(configuration);
                options = _overlay.Policies.Count == 0 ? fileOptions : Compose(configuration, _overlay);
            }
            catch (InvalidConfigurationException ex)
            {
                _metrics.ConfigReloads.WithLabels("rejected").Inc();
                LogReloadRejected(_logger, ex.Problems.Count, string.Join("; ", ex.Problems));
                return false;
            }

            // The model host loads its models once, at start; routes may change, the host itself may not.
            var routesEmbedded = options.Models.Values.Any(m => m.Upstream == ModelOptions.EmbeddedUpstream || m.Versions.ContainsValue(ModelOptions.EmbeddedUpstream));
            if (_embedded is null && routesEmbedded)
            {
                _metrics.ConfigReloads.WithLabels("rejected").Inc();
                LogReloadRejected(_logger, 1, "routes to the embedded model host need it loaded at start: restart Guard to add modelHost");
                return false;
            }
            if (_embedded is not null && !_embedded.IsLoadedFrom(options.ModelHost))
            {
                LogModelHostNeedsRestart(_logger);
            }
            if (StateSection(options) != StateSection(_current.Options))
            {
                LogStateNeedsRestart(_logger);
            }

            var previous = _current;
            GatewaySnapshot next;
            try
            {
                next = GatewaySnapshotBuilder.Build(options, previous, previous.Generation + 1, _embedded, _stateHost, _encoders);
            }
            catch (Exception ex) when (ex is IOException or System.Security.Cryptography.CryptographicException or UnauthorizedAccessException or InvalidConfigurationException)
            {
                _metrics.ConfigReloads.WithLabels("rejected").Inc();
                LogReloadFailed(_logger, ex);
                return false;
            }

            _current = next;
            _fileOptions = fileOptions;
            var removed = GatewaySnapshotBuilder.Removed(previous, next);
            foreach (var endpoint in removed)
            {
                _metrics.UpstreamHealthy.RemoveLabels(endpoint.Upstream, endpoint.Address.Authority);
                _metrics.UpstreamOutstanding.RemoveLabels(endpoint.Upstream, endpoint.Address.Authority);
            }

            _ = DisposeLaterAsync(removed);
            _metrics.ConfigReloads.WithLabels("applied").Inc();
            LogReloaded(_logger, next.Generation, next.Routes.Count, next.Clusters.Count);
            Publish(next);
            return true;
        }
    }

    /// <summary>What the state store was built from; secrets stay out (RedisOptions.ToString masks the password).</summary>
    private static string StateSection(GuardOptions options) =>
        $"{options.State.Backend}|{options.State.KeyPrefix}|{options.State.Embedded.MaxEntries}|{options.State.Redis}|{options.State.Breaker.FailureThreshold}|{options.State.Breaker.OpenDuration}";

    [LoggerMessage(Level = LogLevel.Warning, Message = "The state section changed; the state store keeps the settings it started with until Guard restarts")]
    private static partial void LogStateNeedsRestart(ILogger logger);

    [LoggerMessage(Level = LogLevel.Warning, Message = "The modelHost section changed; the embedded model host keeps the models it loaded at start until Guard restarts")]
    private static partial void LogModelHostNeedsRestart(ILogger logger);

    private void Publish(GatewaySnapshot snapshot)
    {
        _metrics.ConfigGeneration.Set(snapshot.Generation);
        foreach (var endpoint in snapshot.AllEndpoints)
        {
            _metrics.UpstreamHealthy.WithLabels(endpoint.Upstream, endpoint.Address.Authority).Set(endpoint.IsHealthy ? 1 : 0);
        }

        Changed?.Invoke(snapshot);
    }

    private async Task DisposeLaterAsync(IReadOnlyList<UpstreamEndpoint> endpoints)
    {
        if (endpoints.Count == 0)
        {
            return;
        }

        try
        {
            await Task.Delay(DrainDelay, _disposed.Token);
        }
        catch (OperationCanceledException)
        {
        }

        foreach (var endpoint in endpoints)
        {
            endpoint.Dispose();
        }
    }

    [LoggerMessage(Level = LogLevel.Information, Message = "Configuration generation {Generation} in force: {Models} model routes, {Upstreams} upstreams")]
    private static partial void LogReloaded(ILogger logger, long generation, int models, int upstreams);

    [LoggerMessage(Level = LogLevel.Error, Message = "Configuration change rejected ({Count} problems), the previous configuration stays in force: {Problems}")]
    private static partial void LogReloadRejected(ILogger logger, int count, string problems);

    [LoggerMessage(Level = LogLevel.Error, Message = "Configuration change could not be applied; the previous configuration stays in force")]
    private static partial void LogReloadFailed(ILogger logger, Exception exception);
}
