namespace Guard.State;

/// <summary>
/// A fixed-window quota: at most <see cref="Limit"/> cost units per window of <see cref="Window"/>. Windows are
/// aligned to the Unix epoch, so every process (and Redis) agrees where one ends.
/// </summary>
public sealed record QuotaLimit
{
    public QuotaLimit(string name, LimitScope scope, long limit, TimeSpan window)
    {
        ArgumentException.ThrowIfNullOrEmpty(name);
        ArgumentOutOfRangeException.ThrowIfNegativeOrZero(limit);
        if (window < TimeSpan.FromMilliseconds(1) || window.Ticks % TimeSpan.TicksPerMillisecond != 0)
        {
            throw new ArgumentOutOfRangeException(nameof(window), window, "A quota's window must be a whole number of milliseconds, at least one.");
        }
        Name = name;
        Scope = scope;
        Limit = limit;
        Window = window;
    }

    public string Name { get; }

    public LimitScope Scope { get; }

    public long Limit { get; }

    public TimeSpan Window { get; }
}
