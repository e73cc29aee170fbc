namespace Guard.State.Embedded;

/// <summary>One stored value with its expiry and last use. Read and written only under its shard's lock.</summary>
internal sealed class Entry(object value, long expiresAtUs)
{
    /// <summary>No expiry.</summary>
    public const long Never = long.MaxValue;

    /// <summary>One of <see cref="BucketState"/>, <see cref="QuotaState"/>, <see cref="BanState"/>,
    /// <see cref="ListMark"/>, <see cref="CounterState"/> or a <c>byte[]</c>.</summary>
    public object Value { get; set; } = value;

    /// <summary>Unix time in microseconds; <see cref="Never"/> for none.</summary>
    public long ExpiresAtUs { get; set; } = expiresAtUs;

    /// <summary>A tick of the table's use clock, for least-recently-used eviction.</summary>
    public long LastUse { get; set; }

    /// <summary>Bans and list entries are evicted only after everything else: losing one lets a client in. So are
    /// values written by compare-and-set (e.g. policy versions): losing one forks what replicas agreed on.</summary>
    public bool Pinned => Value is BanState or ListMark or CoordinationValue;

    public bool IsExpired(long nowUs) => ExpiresAtUs <= nowUs;
}

internal sealed class BucketState(double tokens, long stampUs)
{
    public double Tokens { get; set; } = tokens;

    public long StampUs { get; set; } = stampUs;
}

internal sealed class QuotaState(long windowStartMs, long used)
{
    public long WindowStartMs { get; set; } = windowStartMs;

    public long Used { get; set; } = used;
}

internal sealed record BanState(string Client, string Reason);

/// <summary>A value written by compare-and-set; read like any other bytes, but pinned against eviction.</summary>
internal sealed record CoordinationValue(byte[] Bytes);

/// <summary>Membership of an allow or deny list.</summary>
internal sealed class ListMark
{
    public static ListMark Instance { get; } = new();
}

internal sealed class CounterState(long value)
{
    public long Value { get; set; } = value;
}
