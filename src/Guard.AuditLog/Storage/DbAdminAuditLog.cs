using System.Data.Common;
using System.Globalization;
using System.Text;

namespace Guard.AuditLog.Storage;

/// <summary>
/// The admin audit trail over the blocked-query log's database. Admin actions are rare, so each append is a plain
/// INSERT committed on its own connection rather than a trip through the group-commit writer; the dialect's session
/// settings (synchronous=FULL, synchronous_commit=on) make it durable when it returns.
/// </summary>
/// <param name="open">Opens a prepared connection once the schema is ready, and refuses once the owning log is
/// disposed.</param>
internal sealed class DbAdminAuditLog(Func<CancellationToken, Task<DbConnection>> open) : IAdminAuditLog
{
    public async ValueTask<AdminAuditEntry> AppendAsync(AdminAuditEntry entry, CancellationToken cancellationToken = default)
    {
        var normalized = AdminAuditNormalizer.Normalize(entry);
        await using var connection = await open(cancellationToken);
        await using var command = connection.CreateCommand();
        command.CommandText = AdminAuditRows.InsertSql;
        AdminAuditRows.Bind(command, normalized);
        // A single statement in autocommit mode is its own transaction.
        var id = Convert.ToInt64(await command.ExecuteScalarAsync(cancellationToken), CultureInfo.InvariantCulture);
        return normalized with { Id = id };
    }

    public async ValueTask<IReadOnlyList<AdminAuditEntry>> ListAsync(
        int limit,
        long? beforeId = null,
        string? user = null,
        string? action = null,
        CancellationToken cancellationToken = default)
    {
        ArgumentOutOfRangeException.ThrowIfLessThan(limit, 1);
        ArgumentOutOfRangeException.ThrowIfGreaterThan(limit, IAdminAuditLog.MaxListLimit);
        await using var connection = await open(cancellationToken);
        await using var command = connection.CreateCommand();
        var where = new List<string>();
        if (beforeId is { } before)
        {
            where.Add("id < @before_id");
            command.AddParameter("before_id", before);
        }

        if (user is not null)
        {
            where.Add("user_name = @user_name");
            command.AddParameter("user_name", user);
        }

        if (action is not null)
        {
            where.Add("action = @action");
            command.AddParameter("action", action);
        }

        var sql = new StringBuilder("SELECT ").Append(AdminAuditRows.Columns).Append(" FROM admin_audit");
        if (where.Count > 0)
        {
            sql.Append(" WHERE ").AppendJoin(" AND ", where);
        }

        sql.Append(" ORDER BY id DESC LIMIT @limit");
        command.AddParameter("limit", limit);
        command.CommandText = sql.ToString();
        var entries = new List<AdminAuditEntry>(Math.Min(limit, 128));
        await using var reader = await command.ExecuteReaderAsync(cancellationToken);
        while (await reader.ReadAsync(cancellationToken))
        {
            entries.Add(AdminAuditRows.Read(reader));
        }

        return entries;
    }
}
