using System.Data;
using System.Data.Common;

namespace Guard.AuditLog.Storage;

/// <summary>Named parameters for both providers. Every value reaches the database this way, never as SQL text.</summary>
internal static class CommandParameters
{
    /// <summary>Adds a named parameter; the type is given for values that may be null, since PostgreSQL cannot
    /// infer a column type from a bare NULL in every position.</summary>
    public static void AddParameter(this DbCommand command, string name, object? value, DbType? type = null)
    {
        var parameter = command.CreateParameter();
        parameter.ParameterName = name;
        parameter.Value = value ?? DBNull.Value;
        if (type is { } dbType)
        {
            parameter.DbType = dbType;
        }

        command.Parameters.Add(parameter);
    }
}
