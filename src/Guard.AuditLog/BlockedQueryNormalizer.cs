namespace Guard.AuditLog;

/// <summary>
/// What the log accepts. Missing identity (request, client, model, guard), a malformed hash, a non-finite score or
/// an unknown action is rejected with <see cref="ArgumentException"/>: such a row would be useless to a reviewer and
/// means a caller bug. Oversized text is truncated rather than rejected, because client ids and matched ids can be
/// attacker-influenced and a long one must not cost us the record of the block.
/// </summary>
public static class BlockedQueryNormalizer
{
    /// <summary>The longest stored text field, in UTF-16 code units.</summary>
    public const int MaxTextLength = 256;

    /// <summary>The most matched query ids kept per row (the first ones).</summary>
    public const int MaxMatchedIds = 100;

    /// <summary>The most snapshot dimensions kept; a tensor with more is stored without its snapshot.</summary>
    public const int MaxShapeRank = 16;

    /// <summary>The entry as it will be stored; throws <see cref="ArgumentException"/> when it cannot be.</summary>
    public static BlockedQuery Normalize(BlockedQuery entry, int maxSnapshotBytes)
    {
        ArgumentNullException.ThrowIfNull(entry);
        if (!double.IsFinite(entry.Score))
        {
            throw new ArgumentException($"{nameof(BlockedQuery.Score)} must be a finite number.", nameof(entry));
        }

        if (!double.IsFinite(entry.Threshold))
        {
            throw new ArgumentException($"{nameof(BlockedQuery.Threshold)} must be a finite number.", nameof(entry));
        }

        if (!Enum.IsDefined(entry.Action))
        {
            throw new ArgumentException($"{nameof(BlockedQuery.Action)} {(int)entry.Action} is not a known action.", nameof(entry));
        }

        if (!AuditLog.InputHash.IsValid(entry.InputHash))
        {
            throw new ArgumentException($"{nameof(BlockedQuery.InputHash)} must be {AuditLog.InputHash.HexLength} hex digits (SHA-256).", nameof(entry));
        }

        return entry with
        {
            Id = 0,
            TimeUtc = entry.TimeUtc.ToUniversalTime(),
            RequestId = Required(entry.RequestId, nameof(BlockedQuery.RequestId), nameof(entry)),
            ClientId = Required(entry.ClientId, nameof(BlockedQuery.ClientId), nameof(entry)),
            Model = Required(entry.Model, nameof(BlockedQuery.Model), nameof(entry)),
            ModelVersion = Truncate(entry.ModelVersion ?? ""),
            Guard = Required(entry.Guard, nameof(BlockedQuery.Guard), nameof(entry)),
            MatchedQueryIds = (entry.MatchedQueryIds ?? []).Where(id => !string.IsNullOrEmpty(id)).Take(MaxMatchedIds).Select(Truncate).ToArray(),
            InputHash = entry.InputHash.ToLowerInvariant(),
            Snapshot = Snapshot(entry.Snapshot, maxSnapshotBytes),
        };
    }

    private static TensorSnapshot? Snapshot(TensorSnapshot? snapshot, int maxSnapshotBytes) =>
        snapshot is null
        || snapshot.Data.Length > maxSnapshotBytes
        || snapshot.Shape is null
        || snapshot.Shape.Count > MaxShapeRank
        || string.IsNullOrEmpty(snapshot.Datatype)
        || snapshot.UncompressedLength < 0
        || !Enum.IsDefined(snapshot.Encoding)
            ? null
            : snapshot with { Datatype = Truncate(snapshot.Datatype), Shape = snapshot.Shape.ToArray() };

    private static string Required(string? value, string field, string paramName) =>
        string.IsNullOrEmpty(value)
            ? throw new ArgumentException($"{field} is required.", paramName)
            : Truncate(value);

    private static string Truncate(string value) => BoundedText.Truncate(value, MaxTextLength);
}
