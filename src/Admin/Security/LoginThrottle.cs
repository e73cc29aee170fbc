using System.Collections.Concurrent;

namespace Guard.Admin.Security;

/// <summary>
/// Limits failed log-ins per client address in a sliding minute, so tokens cannot be guessed at speed. Successful
/// log-ins do not count; a blocked address may try again once its oldest failure is a minute old.
/// </summary>
public sealed class LoginThrottle
{
    private static readonly TimeSpan Window = TimeSpan.FromMinutes(1);
    private readonly ConcurrentDictionary<string, Queue<DateTimeOffset>> _failures = new(StringComparer.Ordinal);
    private readonly int _limit;
    private readonly TimeProvider _time;

    public LoginThrottle(int failuresPerMinute, TimeProvider? time = null)
    {
        _limit = failuresPerMinute;
        _time = time ?? TimeProvider.System;
    }

    /// <summary>Whether <paramref name="address"/> may try now; when not, how long until it may.</summary>
    public bool MayTry(string address, out TimeSpan retryAfter)
    {
        retryAfter = TimeSpan.Zero;
        if (!_failures.TryGetValue(address, out var times))
        {
            return true;
        }

        lock (times)
        {
            var now = _time.GetUtcNow();
            while (times.Count > 0 && now - times.Peek() >= Window)
            {
                times.Dequeue();
            }

            if (times.Count < _limit)
            {
                return true;
            }

            retryAfter = Window - (now - times.Peek());
            return false;
        }
    }

    public void RecordFailure(string address)
    {
        var times = _failures.GetOrAdd(address, _ => new Queue<DateTimeOffset>());
        lock (times)
        {
            times.Enqueue(_time.GetUtcNow());
            while (times.Count > _limit)
            {
                times.Dequeue();
            }
        }
    }
}
