using Guard.AuditLog.Storage;

namespace Guard.AuditLog;

/// <summary>The embedded default: a SQLite file in WAL mode with synchronous=FULL (see
/// <see cref="SqliteDialect"/>). The directory is created if missing.</summary>
public sealed class SqliteBlockedQueryLog : DbBlockedQueryLog
{
    /// <summary>Opens (or creates) the log at <paramref name="path"/>.</summary>
    public SqliteBlockedQueryLog(string path, BlockedQueryLogOptions? options = null)
        : base(new SqliteDialect(PrepareDirectory(path)), options)
    {
    }

    private static string PrepareDirectory(string path)
    {
        ArgumentException.ThrowIfNullOrWhiteSpace(path);
        var full = Path.GetFullPath(path);
        Directory.CreateDirectory(Path.GetDirectoryName(full)!);
        return full;
    }
}
