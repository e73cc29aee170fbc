using System.Globalization;
using System.Text;
using System.Text.Json;

namespace Guard.AuditLog;

/// <summary>
/// Writes rows for reviewers' tools: JSON (everything, snapshot bytes as base64) and CSV (RFC 4180, snapshot metadata
/// only, since a spreadsheet cell cannot hold a tensor). Both stream: rows are written as they arrive, so an export of
/// the whole log does not need it in memory. The stream is flushed, not closed.
/// </summary>
public static class BlockedQueryExport
{
    private static readonly string[] CsvHeader =
    [
        "id", "time_utc", "request_id", "client_id", "model", "model_version", "guard", "score", "threshold", "action",
        "matched_query_ids", "input_hash", "snapshot_datatype", "snapshot_shape", "snapshot_encoding", "snapshot_length",
    ];

    /// <summary>A JSON array with one object per row.</summary>
    public static async Task WriteJsonAsync(IAsyncEnumerable<BlockedQuery> rows, Stream output, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(rows);
        ArgumentNullException.ThrowIfNull(output);
        await using var json = new Utf8JsonWriter(output);
        json.WriteStartArray();
        await foreach (var row in rows.WithCancellation(cancellationToken))
        {
            WriteJson(json, row);
            if (json.BytesPending > 32 * 1024)
            {
                await json.FlushAsync(cancellationToken);
            }
        }

        json.WriteEndArray();
        await json.FlushAsync(cancellationToken);
    }

    /// <summary>CSV with a header row, CRLF line ends and UTF-8 without BOM.</summary>
    public static async Task WriteCsvAsync(IAsyncEnumerable<BlockedQuery> rows, Stream output, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(rows);
        ArgumentNullException.ThrowIfNull(output);
        await using var writer = new StreamWriter(output, new UTF8Encoding(false), bufferSize: 16 * 1024, leaveOpen: true) { NewLine = "\r\n" };
        await writer.WriteLineAsync(string.Join(',', CsvHeader));
        await foreach (var row in rows.WithCancellation(cancellationToken))
        {
            await writer.WriteLineAsync(CsvRow(row));
        }

        await writer.FlushAsync(cancellationToken);
    }

    private static void WriteJson(Utf8JsonWriter json, BlockedQuery row)
    {
        json.WriteStartObject();
        json.WriteNumber("id", row.Id);
        json.WriteString("timeUtc", row.TimeUtc.UtcDateTime.ToString("O", CultureInfo.InvariantCulture));
        json.WriteString("requestId", row.RequestId);
        json.WriteString("clientId", row.ClientId);
        json.WriteString("model", row.Model);
        json.WriteString("modelVersion", row.ModelVersion);
        json.WriteString("guard", row.Guard);
        json.WriteNumber("score", row.Score);
        json.WriteNumber("threshold", row.Threshold);
        json.WriteString("action", BlockActionNames.ToName(row.Action));
        json.WriteStartArray("matchedQueryIds");
        foreach (var id in row.MatchedQueryIds)
        {
            json.WriteStringValue(id);
        }

        json.WriteEndArray();
        json.WriteString("inputHash", row.InputHash);
        if (row.Snapshot is { } snapshot)
        {
            json.WriteStartObject("snapshot");
            json.WriteString("datatype", snapshot.Datatype);
            json.WriteStartArray("shape");
            foreach (var dimension in snapshot.Shape)
            {
                json.WriteNumberValue(dimension);
            }

            json.WriteEndArray();
            json.WriteString("encoding", snapshot.Encoding == SnapshotEncoding.Brotli ? "br" : "gzip");
            json.WriteNumber("uncompressedLength", snapshot.UncompressedLength);
            json.WriteBase64String("data", snapshot.Data.Span);
            json.WriteEndObject();
        }
        else
        {
            json.WriteNull("snapshot");
        }

        json.WriteEndObject();
    }

    private static string CsvRow(BlockedQuery row)
    {
        var snapshot = row.Snapshot;
        string[] cells =
        [
            row.Id.ToString(CultureInfo.InvariantCulture),
            row.TimeUtc.UtcDateTime.ToString("O", CultureInfo.InvariantCulture),
            CsvField.Text(row.RequestId),
            CsvField.Text(row.ClientId),
            CsvField.Text(row.Model),
            CsvField.Text(row.ModelVersion),
            CsvField.Text(row.Guard),
            row.Score.ToString("R", CultureInfo.InvariantCulture),
            row.Threshold.ToString("R", CultureInfo.InvariantCulture),
            BlockActionNames.ToName(row.Action),
            CsvField.Text(JsonSerializer.Serialize(row.MatchedQueryIds)),
            row.InputHash,
            CsvField.Text(snapshot?.Datatype ?? ""),
            snapshot is null ? "" : string.Join('x', snapshot.Shape.Select(d => d.ToString(CultureInfo.InvariantCulture))),
            snapshot is null ? "" : snapshot.Encoding == SnapshotEncoding.Brotli ? "br" : "gzip",
            snapshot?.UncompressedLength.ToString(CultureInfo.InvariantCulture) ?? "",
        ];
        return string.Join(',', cells);
    }
}
