using System.Buffers;

namespace Guard.AuditLog;

/// <summary>
/// One CSV text cell. Client-controlled text (client ids, request ids) ends up in reviewers' spreadsheets, so besides
/// RFC 4180 quoting, a value that a spreadsheet would run as a formula (leading = + - @ tab or CR) is prefixed with an
/// apostrophe (OWASP "CSV injection").
/// </summary>
internal static class CsvField
{
    private static readonly SearchValues<char> NeedsQuoting = SearchValues.Create(",\"\r\n");
    private static readonly SearchValues<char> FormulaStart = SearchValues.Create("=+-@\t\r");

    public static string Text(string value)
    {
        if (value.Length > 0 && FormulaStart.Contains(value[0]))
        {
            value = "'" + value;
        }

        var quote = value.AsSpan().ContainsAny(NeedsQuoting)
            || (value.Length > 0 && (char.IsWhiteSpace(value[0]) || char.IsWhiteSpace(value[^1])));
        return quote ? "\"" + value.Replace("\"", "\"\"", StringComparison.Ordinal) + "\"" : value;
    }
}
