namespace Guard.State.Resilience;

/// <summary>How a call may use the backend, as the breaker decided on entry.</summary>
internal enum BreakerTicket
{
    /// <summary>Do not call the backend.</summary>
    Refused,

    /// <summary>Call it; the breaker is closed.</summary>
    Closed,

    /// <summary>Call it as the one probe of a half-open breaker.</summary>
    Probe,
}

/// <summary>How a call that had a ticket ended.</summary>
internal enum CallOutcome
{
    /// <summary>The backend answered (an error reply counts: it was reachable).</summary>
    Answered,

    /// <summary>The backend was unavailable.</summary>
    Unavailable,

    /// <summary>The caller gave up first; says nothing about the backend.</summary>
    Abandoned,
}

/// <summary>
/// Consecutive failures open the breaker; after <see cref="BreakerOptions.OpenDuration"/> one call probes the
/// backend (half-open) and closes it on success or reopens it on failure. While open, calls do not touch the
/// backend at all, so a dead Redis costs no time per request; only the probe pays a timeout, once per cooldown.
/// </summary>
internal sealed class CircuitBreaker
{
    private readonly Lock _gate = new();
    private readonly BreakerOptions _options;
    private readonly TimeProvider _time;
    private volatile BreakerState _state = BreakerState.Closed;
    private int _failures;
    private long _openedAt;

    public CircuitBreaker(BreakerOptions options, TimeProvider timeProvider)
    {
        ArgumentNullException.ThrowIfNull(options);
        ArgumentNullException.ThrowIfNull(timeProvider);
        ArgumentOutOfRangeException.ThrowIfLessThan(options.FailureThreshold, 1);
        ArgumentOutOfRangeException.ThrowIfLessThanOrEqual(options.OpenDuration, TimeSpan.Zero);
        _options = options;
        _time = timeProvider;
    }

    public BreakerState State => _state;

    public BreakerTicket Enter()
    {
        if (_state == BreakerState.Closed)
        {
            return BreakerTicket.Closed;
        }
        using (_gate.EnterScope())
        {
            switch (_state)
            {
                case BreakerState.Closed:
                    return BreakerTicket.Closed;
                case BreakerState.Open when _time.GetElapsedTime(_openedAt) >= _options.OpenDuration:
                    _state = BreakerState.HalfOpen;
                    return BreakerTicket.Probe;
                default:
                    return BreakerTicket.Refused;
            }
        }
    }

    /// <summary>Records how a call with <paramref name="ticket"/> ended; returns the new state if it changed.</summary>
    public BreakerState? Exit(BreakerTicket ticket, CallOutcome outcome)
    {
        if (ticket == BreakerTicket.Refused || outcome == CallOutcome.Abandoned && ticket != BreakerTicket.Probe)
        {
            return null;
        }
        if (ticket == BreakerTicket.Closed && outcome == CallOutcome.Answered && Volatile.Read(ref _failures) == 0)
        {
            return null; // the hot path: nothing to reset
        }
        using (_gate.EnterScope())
        {
            if (ticket == BreakerTicket.Probe)
            {
                return outcome switch
                {
                    CallOutcome.Answered => Close(),
                    CallOutcome.Unavailable => Open(),
                    _ => Reprobe(),
                };
            }
            if (_state != BreakerState.Closed)
            {
                return null; // a call from before the breaker opened; the probe decides
            }
            if (outcome == CallOutcome.Answered)
            {
                _failures = 0;
                return null;
            }
            return ++_failures >= _options.FailureThreshold ? Open() : null;
        }
    }

    private BreakerState Close()
    {
        _failures = 0;
        _state = BreakerState.Closed;
        return BreakerState.Closed;
    }

    private BreakerState Open()
    {
        _openedAt = _time.GetTimestamp();
        _state = BreakerState.Open;
        return BreakerState.Open;
    }

    /// <summary>The probe was abandoned by its caller: open as before, so that the next call probes at once.</summary>
    private BreakerState? Reprobe()
    {
        _state = BreakerState.Open;
        return null;
    }
}
