namespace Guard.AuditLog;

/// <summary>How <see cref="TensorSnapshot.Data"/> is compressed.</summary>
public enum SnapshotEncoding
{
    /// <summary>RFC 7932 Brotli: the default, smallest for tensor bytes.</summary>
    Brotli,

    /// <summary>RFC 1952 gzip: for readers that have no Brotli decoder.</summary>
    Gzip,
}
