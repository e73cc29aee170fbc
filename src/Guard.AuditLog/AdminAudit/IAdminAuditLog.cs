namespace Guard.AuditLog;

/// <summary>
/// The admin audit trail, kept in the same database as the blocked-query log (see
/// <see cref="DbBlockedQueryLog.AdminAudit"/>, which also owns its lifetime). Append-only: there is no update or
/// delete, and blocked-query retention does not touch it.
/// </summary>
public interface IAdminAuditLog
{
    /// <summary>The most entries <see cref="ListAsync"/> returns at once.</summary>
    const int MaxListLimit = 1000;

    /// <summary>Validates and normalises <paramref name="entry"/> (see <see cref="AdminAuditNormalizer"/>), writes it
    /// in its own transaction and returns it as stored, with its id. Durable once it returns; a cancelled append may or
    /// may not have been written.</summary>
    ValueTask<AdminAuditEntry> AppendAsync(AdminAuditEntry entry, CancellationToken cancellationToken = default);

    /// <summary>Up to <paramref name="limit"/> (1 to <see cref="MaxListLimit"/>) entries, newest (highest id) first.
    /// <paramref name="beforeId"/> pages on: pass the last id of the previous page. <paramref name="user"/> and
    /// <paramref name="action"/> filter by exact match when not null.</summary>
    ValueTask<IReadOnlyList<AdminAuditEntry>> ListAsync(
        int limit,
        long? beforeId = null,
        string? user = null,
        string? action = null,
        CancellationToken cancellationToken = default);
}
