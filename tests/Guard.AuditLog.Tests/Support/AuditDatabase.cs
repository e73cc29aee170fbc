using Guard.AuditLog.Storage;

namespace Guard.AuditLog.Tests.Support;

/// <summary>A fresh database for one test: opens logs over it (several opens share it, as restarts do) and gives raw
/// access through a dialect of its own, to build it as an older release left it.</summary>
internal sealed record AuditDatabase(Func<DbBlockedQueryLog> Open, Func<SqlDialect> NewDialect);
