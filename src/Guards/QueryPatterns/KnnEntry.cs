using System.Buffers.Binary;

namespace Guard.Guards.QueryPatterns;

/// <summary>
/// How one query is kept in the history: a version byte, an 8-byte query id (so a detection can name the earlier queries
/// it matched) and the embedding quantized to one byte per dimension, linearly over [min, max] and clamped. 64 dimensions
/// make 73 bytes, so a full 500-entry history is about 36 KB per round trip. One level is (max−min)/255, 0.004 for
/// [0, 1]: the rounding moves a 64-dimension distance by about 0.01, far below the thresholds that matter (~0.1–1).
/// Distances are computed on the levels themselves, exactly, so the guard and the calibrator agree to the bit.
/// </summary>
public sealed class KnnEntry
{
    /// <summary>Bumped if the layout changes; entries of another version are skipped, not misread.</summary>
    public const byte Version = 1;

    /// <summary>Bytes before the levels: version and id.</summary>
    public const int HeaderSize = 1 + sizeof(ulong);

    private readonly float _min;
    private readonly float _scale;

    public KnnEntry(float min, float max)
    {
        if (!float.IsFinite(min) || !float.IsFinite(max) || max <= min)
        {
            throw new ArgumentException($"The quantization range must be finite with min < max (got [{min}, {max}]).", nameof(max));
        }

        _min = min;
        _scale = 255f / (max - min);
        LevelSize = ((double)max - min) / 255.0;
    }

    /// <summary>One quantization level in embedding units: squared-level distances times this squared are distances².</summary>
    public double LevelSize { get; }

    /// <summary>A new entry for <paramref name="embedding"/> recorded under <paramref name="queryId"/>.</summary>
    public byte[] Encode(ulong queryId, ReadOnlySpan<float> embedding)
    {
        var entry = new byte[HeaderSize + embedding.Length];
        entry[0] = Version;
        BinaryPrimitives.WriteUInt64LittleEndian(entry.AsSpan(1), queryId);
        Quantize(embedding, entry.AsSpan(HeaderSize));
        return entry;
    }

    /// <summary>Levels of <paramref name="embedding"/>: round((v − min)·255/(max − min)), clamped to 0–255.</summary>
    public void Quantize(ReadOnlySpan<float> embedding, Span<byte> levels)
    {
        for (var i = 0; i < embedding.Length; i++)
        {
            levels[i] = (byte)Math.Clamp(MathF.Round((embedding[i] - _min) * _scale), 0f, 255f);
        }
    }

    /// <summary>The levels of a stored entry of <paramref name="dimensions"/>; false for another version or size.</summary>
    public static bool TryGetLevels(ReadOnlySpan<byte> entry, int dimensions, out ReadOnlySpan<byte> levels)
    {
        if (entry.Length != HeaderSize + dimensions || entry[0] != Version)
        {
            levels = default;
            return false;
        }

        levels = entry[HeaderSize..];
        return true;
    }

    /// <summary>The query id of a stored entry (check it with <see cref="TryGetLevels"/> first).</summary>
    public static ulong QueryId(ReadOnlySpan<byte> entry) => BinaryPrimitives.ReadUInt64LittleEndian(entry.Slice(1, sizeof(ulong)));

    /// <summary>The form ids take in detections and logs.</summary>
    public static string FormatId(ulong queryId) => queryId.ToString("x16", System.Globalization.CultureInfo.InvariantCulture);
}
