namespace Guard.AuditLog.Storage;

/// <summary>Runs the schema migration once before the first read or write. A failed attempt is not cached, so a
/// database that was briefly unreachable at start is migrated on the next call instead of leaving the log broken.</summary>
internal sealed class SchemaGate(SchemaMigrator migrator) : IDisposable
{
    private readonly SemaphoreSlim _lock = new(1, 1);
    private volatile bool _ready;

    public async Task EnsureAsync(CancellationToken cancellationToken)
    {
        if (_ready)
        {
            return;
        }

        await _lock.WaitAsync(cancellationToken);
        try
        {
            if (!_ready)
            {
                await migrator.MigrateAsync(cancellationToken);
                _ready = true;
            }
        }
        finally
        {
            _lock.Release();
        }
    }

    public void Dispose() => _lock.Dispose();
}
