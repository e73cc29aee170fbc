using System.Data.Common;
using System.Text;

namespace Guard.AuditLog.Storage;

/// <summary>Builds the keyset-paged SELECT for a <see cref="BlockedQueryFilter"/>. Only column names and parameter
/// markers go into the SQL text; every value is a parameter.</summary>
internal static class PageQuery
{
    /// <summary>Fills <paramref name="command"/> to select up to PageSize + 1 rows (the extra one tells whether another
    /// page exists).</summary>
    public static void Build(DbCommand command, BlockedQueryFilter filter)
    {
        var where = new List<string>();
        if (filter.FromUtc is { } from)
        {
            where.Add("time_us >= @from_us");
            command.AddParameter("from_us", UnixMicros.From(from));
        }

        if (filter.ToUtc is { } to)
        {
            where.Add("time_us < @to_us");
            command.AddParameter("to_us", UnixMicros.From(to));
        }

        AddEquals(command, where, "request_id", filter.RequestId);
        AddEquals(command, where, "client_id", filter.ClientId);
        AddEquals(command, where, "model", filter.Model);
        AddEquals(command, where, "guard", filter.Guard);
        AddEquals(command, where, "action", filter.Action is { } action ? BlockActionNames.ToName(action) : null);
        if (filter.ContinuationToken is { } token)
        {
            var cursor = PageCursor.Decode(token);
            where.Add("(time_us > @after_us OR (time_us = @after_us AND id > @after_id))");
            command.AddParameter("after_us", cursor.TimeMicros);
            command.AddParameter("after_id", cursor.Id);
        }

        var sql = new StringBuilder("SELECT ").Append(BlockedQueryRows.Columns).Append(" FROM blocked_queries");
        if (where.Count > 0)
        {
            sql.Append(" WHERE ").AppendJoin(" AND ", where);
        }

        sql.Append(" ORDER BY time_us, id LIMIT @limit");
        command.AddParameter("limit", filter.PageSize + 1);
        command.CommandText = sql.ToString();
    }

    private static void AddEquals(DbCommand command, List<string> where, string column, string? value)
    {
        if (value is not null)
        {
            where.Add($"{column} = @{column}");
            command.AddParameter(column, value);
        }
    }
}
