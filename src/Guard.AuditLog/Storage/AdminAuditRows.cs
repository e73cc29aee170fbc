using System.Data.Common;

namespace Guard.AuditLog.Storage;

/// <summary>Maps <see cref="AdminAuditEntry"/> to and from <c>admin_audit</c> rows.</summary>
internal static class AdminAuditRows
{
    public const string Columns = "id, time_us, user_name, role, action, target, detail, reason, outcome";

    public const string InsertSql =
        "INSERT INTO admin_audit (time_us, user_name, role, action, target, detail, reason, outcome) VALUES "
        + "(@time_us, @user_name, @role, @action, @target, @detail, @reason, @outcome) RETURNING id";

    /// <summary>Binds an (already normalised) entry to <see cref="InsertSql"/>.</summary>
    public static void Bind(DbCommand command, AdminAuditEntry entry)
    {
        command.AddParameter("time_us", UnixMicros.From(entry.TimeUtc));
        command.AddParameter("user_name", entry.User);
        command.AddParameter("role", entry.Role);
        command.AddParameter("action", entry.Action);
        command.AddParameter("target", entry.Target);
        command.AddParameter("detail", entry.Detail);
        command.AddParameter("reason", entry.Reason);
        command.AddParameter("outcome", entry.Outcome);
    }

    /// <summary>The entry in the reader's current row, selected with <see cref="Columns"/>.</summary>
    public static AdminAuditEntry Read(DbDataReader reader) => new()
    {
        Id = reader.GetInt64(0),
        TimeUtc = UnixMicros.To(reader.GetInt64(1)),
        User = reader.GetString(2),
        Role = reader.GetString(3),
        Action = reader.GetString(4),
        Target = reader.GetString(5),
        Detail = reader.GetString(6),
        Reason = reader.GetString(7),
        Outcome = reader.GetString(8),
    };
}
