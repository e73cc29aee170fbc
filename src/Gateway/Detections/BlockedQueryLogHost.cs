using Guard.AuditLog;
using Guard.Gateway.Configuration;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;

namespace Guard.Gateway.Detections;

/// <summary>
/// The process's blocked-query log, opened once at start from the <c>blockedQueryLog</c> section (SQLite by default,
/// PostgreSQL for a shared deployment), with retention applied on a timer. Stopping the host drains queued appends.
/// </summary>
public sealed partial class BlockedQueryLogHost(BlockedQueryLogSettings settings, ILogger<BlockedQueryLogHost> logger) : BackgroundService
{
    /// <summary>Opening connects to nothing yet (the schema is made on first use), so a database that is down at start
    /// does not stop Guard: detections are still acted on, and the failed appends are counted and logged.</summary>
    public IBlockedQueryLog Log { get; } = Open(settings);

    /// <summary>Opens the log the settings describe; the SQLite file's folder is created.</summary>
    public static IBlockedQueryLog Open(BlockedQueryLogSettings settings)
    {
        ArgumentNullException.ThrowIfNull(settings);
        var options = new BlockedQueryLogOptions { MaxSnapshotBytes = settings.MaxSnapshotBytes };
        if (settings.Backend == "postgres")
        {
            return new PostgresBlockedQueryLog(settings.ConnectionString!, options);
        }

        return new SqliteBlockedQueryLog(settings.Path, options);
    }

    protected override async Task ExecuteAsync(CancellationToken stoppingToken)
    {
        LogOpened(logger, settings.Backend, settings.Backend == "sqlite" ? Path.GetFullPath(settings.Path) : "(connection string)");
        using var timer = new PeriodicTimer(settings.RetentionInterval);
        do
        {
            try
            {
                var deleted = await Log.ApplyRetentionAsync(settings.MaxAge, settings.MaxRows, stoppingToken);
                if (deleted > 0)
                {
                    LogRetention(logger, deleted, settings.MaxAge);
                }
            }
            catch (Exception ex) when (ex is not OperationCanceledException)
            {
                LogRetentionFailed(logger, ex);
            }
        }
        while (await timer.WaitForNextTickAsync(stoppingToken).ConfigureAwait(false));
    }

    public override async Task StopAsync(CancellationToken cancellationToken)
    {
        await base.StopAsync(cancellationToken);
        await Log.DisposeAsync();
    }

    [LoggerMessage(Level = LogLevel.Information, Message = "Blocked-query log: {Backend} at {Location}")]
    private static partial void LogOpened(ILogger logger, string backend, string location);

    [LoggerMessage(Level = LogLevel.Information, Message = "Blocked-query log retention deleted {Rows} rows (max age {MaxAge})")]
    private static partial void LogRetention(ILogger logger, int rows, TimeSpan maxAge);

    [LoggerMessage(Level = LogLevel.Warning, Message = "Blocked-query log retention failed; it runs again at the next interval")]
    private static partial void LogRetentionFailed(ILogger logger, Exception exception);
}
