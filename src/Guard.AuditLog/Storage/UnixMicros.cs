namespace Guard.AuditLog.Storage;

/// <summary>Times are stored as whole microseconds since the Unix epoch (BIGINT in both databases): exact, ordered,
/// comparable without time-zone rules, and PostgreSQL's own timestamp precision.</summary>
internal static class UnixMicros
{
    public static long From(DateTimeOffset time) => (time.UtcTicks - DateTimeOffset.UnixEpoch.UtcTicks) / (TimeSpan.TicksPerMillisecond / 1000);

    public static DateTimeOffset To(long micros) => new(DateTimeOffset.UnixEpoch.UtcTicks + micros * (TimeSpan.TicksPerMillisecond / 1000), TimeSpan.Zero);
}
