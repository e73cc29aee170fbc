namespace Guard.AuditLog;

/// <summary>Tuning for a <see cref="IBlockedQueryLog"/>. The defaults suit a gateway; tests shrink them.</summary>
public sealed record BlockedQueryLogOptions
{
    /// <summary>The most rows committed in one transaction. Larger groups amortise the fsync further but make each
    /// waiting append wait for more inserts.</summary>
    public int MaxBatchSize { get; init; } = 256;

    /// <summary>How many appends may wait for the writer before further appends wait for room (back-pressure rather
    /// than unbounded memory when the disk stalls).</summary>
    public int QueueCapacity { get; init; } = 8192;

    /// <summary>Snapshots whose compressed bytes are over this are dropped at append (the hash is kept).</summary>
    public int MaxSnapshotBytes { get; init; } = TensorSnapshotCodec.DefaultMaxCompressedBytes;

    /// <summary>The clock retention measures age against.</summary>
    public TimeProvider TimeProvider { get; init; } = TimeProvider.System;
}
