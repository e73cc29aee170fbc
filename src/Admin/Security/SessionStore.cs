using System.Collections.Concurrent;
using System.Security.Cryptography;

namespace Guard.Admin.Security;

/// <summary>A console session: the cookie value identifies it, the CSRF token must accompany every change made with it.</summary>
public sealed record AdminSession(string Id, string CsrfToken, AdminPrincipal Principal, DateTimeOffset CreatedUtc, DateTimeOffset ExpiresUtc);

/// <summary>
/// Console sessions of this process, kept in memory: the console is an operator tool on a loopback port, so a
/// restart asking for the token again is acceptable, and no session secret ever reaches shared storage. Sessions
/// end after an idle timeout or an absolute lifetime, whichever comes first.
/// </summary>
public sealed class SessionStore
{
    private readonly ConcurrentDictionary<string, Entry> _sessions = new(StringComparer.Ordinal);
    private readonly TimeProvider _time;
    private readonly TimeSpan _idle;
    private readonly TimeSpan _lifetime;

    public SessionStore(TimeSpan idleTimeout, TimeSpan lifetime, TimeProvider? time = null)
    {
        _idle = idleTimeout;
        _lifetime = lifetime;
        _time = time ?? TimeProvider.System;
    }

    public int Count => _sessions.Count;

    public AdminSession Create(AdminPrincipal principal)
    {
        Sweep();
        var now = _time.GetUtcNow();
        var session = new AdminSession(NewSecret(), NewSecret(), principal with { Method = "session" }, now, now + _lifetime);
        _sessions[session.Id] = new Entry(session, now);
        return session;
    }

    /// <summary>The live session with this id (refreshing its idle clock), or null.</summary>
    public AdminSession? Find(string? id)
    {
        if (string.IsNullOrEmpty(id) || !_sessions.TryGetValue(id, out var entry))
        {
            return null;
        }

        var now = _time.GetUtcNow();
        if (now >= entry.Session.ExpiresUtc || now - entry.LastSeen >= _idle)
        {
            _sessions.TryRemove(id, out _);
            return null;
        }

        entry.LastSeen = now;
        return entry.Session;
    }

    public bool Remove(string id) => _sessions.TryRemove(id, out _);

    private void Sweep()
    {
        var now = _time.GetUtcNow();
        foreach (var (id, entry) in _sessions)
        {
            if (now >= entry.Session.ExpiresUtc || now - entry.LastSeen >= _idle)
            {
                _sessions.TryRemove(id, out _);
            }
        }
    }

    private static string NewSecret() => Convert.ToBase64String(RandomNumberGenerator.GetBytes(32)).TrimEnd('=').Replace('+', '-').Replace('/', '_');

    private sealed class Entry(AdminSession session, DateTimeOffset lastSeen)
    {
        public AdminSession Session { get; } = session;

        public DateTimeOffset LastSeen { get; set; } = lastSeen;
    }
}
