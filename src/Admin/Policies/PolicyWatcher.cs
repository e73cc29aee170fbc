using Guard.Admin.Operations;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;

namespace Guard.Admin.Policies;

/// <summary>
/// Keeps this replica on the newest policy version: applies it at start, again on every change notification, after
/// the subscription reconnects (notifications sent meanwhile are lost) and on a slow poll as a last resort. At start,
/// a store without versions is refilled from the durable audit trail, so admin changes survive an embedded store's
/// restart or a flushed Redis.
/// </summary>
public sealed partial class PolicyWatcher(PolicyStore store, IPolicyCatalog catalog, AdminAudit audit, TimeSpan pollInterval, ILogger<PolicyWatcher> logger) : BackgroundService
{
    private readonly SemaphoreSlim _signal = new(0, 1);

    protected override async Task ExecuteAsync(CancellationToken stoppingToken)
    {
        await using var subscription = store.Notifications.Subscribe(PolicyStore.Channel, (_, _) => Signal(), _ => Signal());
        await RestoreAsync(stoppingToken);
        while (!stoppingToken.IsCancellationRequested)
        {
            await SyncAsync(stoppingToken);
            try
            {
                await _signal.WaitAsync(pollInterval, stoppingToken);
            }
            catch (OperationCanceledException)
            {
                return;
            }
        }
    }

    /// <summary>Reads the newest version and puts it in force when it is not already.</summary>
    public async Task SyncAsync(CancellationToken cancellationToken)
    {
        try
        {
            var head = await store.HeadAsync(cancellationToken);
            if (head == catalog.Version)
            {
                return;
            }

            var overlay = await store.ReadCurrentAsync(cancellationToken);
            catalog.Apply(overlay);
            LogApplied(logger, overlay.Version);
        }
        catch (Exception ex) when (ex is not OperationCanceledException)
        {
            LogSyncFailed(logger, ex);
        }
    }

    private async Task RestoreAsync(CancellationToken cancellationToken)
    {
        try
        {
            if (await store.HeadAsync(cancellationToken) != 0 || await audit.LatestVersionAsync(cancellationToken) is not { } latest)
            {
                return;
            }

            if (await store.RestoreAsync(latest, cancellationToken))
            {
                LogRestored(logger, latest.Version);
            }
        }
        catch (Exception ex) when (ex is not OperationCanceledException)
        {
            LogSyncFailed(logger, ex);
        }
    }

    private ValueTask Signal()
    {
        Wake();
        return ValueTask.CompletedTask;
    }

    private void Wake()
    {
        try
        {
            _signal.Release();
        }
        catch (SemaphoreFullException)
        {
            // A wake-up is already pending; one read covers both.
        }
    }

    public override void Dispose()
    {
        base.Dispose();
        _signal.Dispose();
    }

    [LoggerMessage(Level = LogLevel.Information, Message = "Admin policy version {Version} in force")]
    private static partial void LogApplied(ILogger logger, long version);

    [LoggerMessage(Level = LogLevel.Warning, Message = "Admin policy version {Version} restored from the audit trail into an empty state store")]
    private static partial void LogRestored(ILogger logger, long version);

    [LoggerMessage(Level = LogLevel.Warning, Message = "Could not read the admin policy version; the one in force stays")]
    private static partial void LogSyncFailed(ILogger logger, Exception exception);
}
