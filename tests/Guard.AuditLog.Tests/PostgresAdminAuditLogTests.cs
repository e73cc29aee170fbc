using Guard.AuditLog.Storage;
using Guard.AuditLog.Tests.Support;

namespace Guard.AuditLog.Tests;

/// <summary>The admin audit suite on a real PostgreSQL server (one per class, a database per test).</summary>
public sealed class PostgresAdminAuditLogTests(PostgresFixture postgres) : AdminAuditLogBehaviourTests, IClassFixture<PostgresFixture>
{
    private protected override async Task<AuditDatabase> NewDatabaseAsync()
    {
        var connectionString = await postgres.Server.CreateDatabaseAsync();
        return new AuditDatabase(() => new PostgresBlockedQueryLog(connectionString), () => new PostgresDialect(connectionString));
    }
}
