namespace Guard.Redis;

/// <summary>The RESP types a reply can have (RESP3 types are folded onto these where RESP2 has an equivalent).</summary>
public enum RedisReplyKind
{
    SimpleString,
    Error,
    Integer,
    BulkString,
    Array,
    Null,
    Double,
    Boolean,
    Map,
}

/// <summary>One parsed reply. Bulk strings keep their bytes; Map is a flat key, value, key, value array.</summary>
public sealed class RedisReply
{
    public RedisReply(RedisReplyKind kind, string? text = null, long integer = 0, double number = 0, byte[]? bytes = null, IReadOnlyList<RedisReply>? items = null)
    {
        Kind = kind;
        Text = text;
        Integer = integer;
        Number = number;
        Bytes = bytes;
        Items = items ?? [];
    }

    public RedisReplyKind Kind { get; }

    /// <summary>SimpleString or Error text.</summary>
    public string? Text { get; }

    public long Integer { get; }

    public double Number { get; }

    /// <summary>BulkString payload.</summary>
    public byte[]? Bytes { get; }

    /// <summary>Array or Map elements.</summary>
    public IReadOnlyList<RedisReply> Items { get; }

    public bool IsNull => Kind == RedisReplyKind.Null;

    /// <summary>The reply as text (simple or bulk string, integer, double); null for Null.</summary>
    public string? AsString() => Kind switch
    {
        RedisReplyKind.SimpleString or RedisReplyKind.Error => Text,
        RedisReplyKind.BulkString => Bytes is null ? null : System.Text.Encoding.UTF8.GetString(Bytes),
        RedisReplyKind.Integer => Integer.ToString(System.Globalization.CultureInfo.InvariantCulture),
        RedisReplyKind.Double => Number.ToString("R", System.Globalization.CultureInfo.InvariantCulture),
        RedisReplyKind.Boolean => Integer != 0 ? "1" : "0",
        _ => null,
    };

    /// <summary>The reply as an integer (Integer, or a string holding one).</summary>
    public long AsInt64() => Kind switch
    {
        RedisReplyKind.Integer or RedisReplyKind.Boolean => Integer,
        _ => long.Parse(AsString() ?? throw new InvalidCastException($"A {Kind} reply is not an integer."), System.Globalization.CultureInfo.InvariantCulture),
    };
}
