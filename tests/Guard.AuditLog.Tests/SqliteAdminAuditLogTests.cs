using Guard.AuditLog.Storage;
using Guard.AuditLog.Tests.Support;

namespace Guard.AuditLog.Tests;

/// <summary>The admin audit suite on SQLite files in a temporary directory per test class instance.</summary>
public sealed class SqliteAdminAuditLogTests : AdminAuditLogBehaviourTests, IDisposable
{
    private readonly DirectoryInfo _directory = Directory.CreateTempSubdirectory("guard-admin-audit-");

    private protected override Task<AuditDatabase> NewDatabaseAsync()
    {
        var path = Path.Combine(_directory.FullName, $"{Guid.NewGuid():N}", "audit.db");
        Directory.CreateDirectory(Path.GetDirectoryName(path)!);
        return Task.FromResult(new AuditDatabase(() => new SqliteBlockedQueryLog(path), () => new SqliteDialect(path)));
    }

    public void Dispose() => _directory.Delete(recursive: true);
}
