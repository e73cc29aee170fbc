using System.Text.Json;
using System.Text.Json.Serialization;

namespace Guard.RedTeam.Reporting;

/// <summary>Writes the report as indented camelCase JSON (source-generated: no reflection).</summary>
public static class ReportJson
{
    public static string Serialize(RedTeamReport report) => JsonSerializer.Serialize(report, ReportJsonContext.Default.RedTeamReport);

    public static async Task WriteAsync(string path, RedTeamReport report, CancellationToken cancellationToken)
    {
        var directory = Path.GetDirectoryName(Path.GetFullPath(path));
        if (directory is not null)
        {
            Directory.CreateDirectory(directory);
        }

        await using var stream = File.Create(path);
        await JsonSerializer.SerializeAsync(stream, report, ReportJsonContext.Default.RedTeamReport, cancellationToken);
    }
}

[JsonSourceGenerationOptions(
    WriteIndented = true,
    PropertyNamingPolicy = JsonKnownNamingPolicy.CamelCase,
    DefaultIgnoreCondition = JsonIgnoreCondition.Never,
    NumberHandling = JsonNumberHandling.AllowNamedFloatingPointLiterals)]
[JsonSerializable(typeof(RedTeamReport))]
internal sealed partial class ReportJsonContext : JsonSerializerContext;
