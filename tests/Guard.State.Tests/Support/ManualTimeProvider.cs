namespace Guard.State.Tests.Support;

/// <summary>A clock that moves only when told to (Microsoft.Extensions.TimeProvider.Testing is not a dependency).
/// Starts mid-second, so windows aligned to the epoch are not accidentally aligned to the start.</summary>
public sealed class ManualTimeProvider : TimeProvider
{
    private long _utcTicks = new DateTimeOffset(2025, 6, 1, 12, 0, 0, 123, TimeSpan.Zero).UtcTicks;

    public override DateTimeOffset GetUtcNow() => new(Interlocked.Read(ref _utcTicks), TimeSpan.Zero);

    public override long GetTimestamp() => Interlocked.Read(ref _utcTicks);

    public override long TimestampFrequency => TimeSpan.TicksPerSecond;

    public void Advance(TimeSpan by) => Interlocked.Add(ref _utcTicks, by.Ticks);
}
