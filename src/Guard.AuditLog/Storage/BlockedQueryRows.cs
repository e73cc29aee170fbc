using System.Data.Common;
using System.Globalization;
using System.Text.Json;

namespace Guard.AuditLog.Storage;

/// <summary>Maps <see cref="BlockedQuery"/> to and from <c>blocked_queries</c> rows. Lists (matched ids, shape) are
/// JSON text so that both databases store them the same way and a SQL console shows them readably.</summary>
internal static class BlockedQueryRows
{
    public const string Columns =
        "id, time_us, request_id, client_id, model, model_version, guard, score, threshold, action, matched_ids, input_hash, "
        + "snapshot_datatype, snapshot_shape, snapshot_encoding, snapshot_length, snapshot_data";

    public const string InsertSql =
        "INSERT INTO blocked_queries (time_us, request_id, client_id, model, model_version, guard, score, threshold, action, "
        + "matched_ids, input_hash, snapshot_datatype, snapshot_shape, snapshot_encoding, snapshot_length, snapshot_data) VALUES "
        + "(@time_us, @request_id, @client_id, @model, @model_version, @guard, @score, @threshold, @action, @matched_ids, @input_hash, "
        + "@snapshot_datatype, @snapshot_shape, @snapshot_encoding, @snapshot_length, @snapshot_data) RETURNING id";

    /// <summary>Binds an (already normalised) entry to <see cref="InsertSql"/>.</summary>
    public static void Bind(DbCommand command, BlockedQuery entry)
    {
        var snapshot = entry.Snapshot;
        command.AddParameter("time_us", UnixMicros.From(entry.TimeUtc));
        command.AddParameter("request_id", entry.RequestId);
        command.AddParameter("client_id", entry.ClientId);
        command.AddParameter("model", entry.Model);
        command.AddParameter("model_version", entry.ModelVersion);
        command.AddParameter("guard", entry.Guard);
        command.AddParameter("score", entry.Score);
        command.AddParameter("threshold", entry.Threshold);
        command.AddParameter("action", BlockActionNames.ToName(entry.Action));
        command.AddParameter("matched_ids", JsonSerializer.Serialize(entry.MatchedQueryIds));
        command.AddParameter("input_hash", entry.InputHash);
        command.AddParameter("snapshot_datatype", snapshot?.Datatype, System.Data.DbType.String);
        command.AddParameter("snapshot_shape", snapshot is null ? null : JsonSerializer.Serialize(snapshot.Shape), System.Data.DbType.String);
        command.AddParameter("snapshot_encoding", snapshot is null ? null : EncodingName(snapshot.Encoding), System.Data.DbType.String);
        command.AddParameter("snapshot_length", snapshot is null ? null : (long)snapshot.UncompressedLength, System.Data.DbType.Int64);
        command.AddParameter("snapshot_data", snapshot?.Data.ToArray(), System.Data.DbType.Binary);
    }

    /// <summary>The entry in the reader's current row, selected with <see cref="Columns"/>.</summary>
    public static BlockedQuery Read(DbDataReader reader) => new()
    {
        Id = reader.GetInt64(0),
        TimeUtc = UnixMicros.To(reader.GetInt64(1)),
        RequestId = reader.GetString(2),
        ClientId = reader.GetString(3),
        Model = reader.GetString(4),
        ModelVersion = reader.GetString(5),
        Guard = reader.GetString(6),
        Score = reader.GetDouble(7),
        Threshold = reader.GetDouble(8),
        Action = BlockActionNames.Parse(reader.GetString(9)),
        MatchedQueryIds = JsonSerializer.Deserialize<string[]>(reader.GetString(10)) ?? [],
        InputHash = reader.GetString(11),
        Snapshot = reader.IsDBNull(16) ? null : new TensorSnapshot(
            reader.GetString(12),
            JsonSerializer.Deserialize<long[]>(reader.GetString(13)) ?? [],
            ParseEncoding(reader.GetString(14)),
            checked((int)reader.GetInt64(15)),
            (byte[])reader.GetValue(16)),
    };

    private static string EncodingName(SnapshotEncoding encoding) => encoding switch
    {
        SnapshotEncoding.Brotli => "br",
        SnapshotEncoding.Gzip => "gzip",
        _ => throw new ArgumentOutOfRangeException(nameof(encoding), encoding, "Unknown snapshot encoding."),
    };

    private static SnapshotEncoding ParseEncoding(string name) => name switch
    {
        "br" => SnapshotEncoding.Brotli,
        "gzip" => SnapshotEncoding.Gzip,
        _ => throw new FormatException(string.Create(CultureInfo.InvariantCulture, $"Unknown snapshot encoding '{name}'.")),
    };
}
