using System.Collections.Concurrent;
using Microsoft.Extensions.Logging;

namespace Guard.Redis.Tests.Support;

/// <summary>Keeps every log entry at every level: message, structured values and exception text, for assertions on what gets logged.</summary>
public sealed class CapturingLogger<T> : ILogger<T>
{
    private readonly ConcurrentQueue<string> _entries = new();

    public IReadOnlyCollection<string> Entries => _entries;

    public string AllText => string.Join("\n", _entries);

    public IDisposable? BeginScope<TState>(TState state) where TState : notnull => null;

    public bool IsEnabled(LogLevel logLevel) => true;

    public void Log<TState>(LogLevel logLevel, EventId eventId, TState state, Exception? exception, Func<TState, Exception?, string> formatter)
    {
        var values = state is IEnumerable<KeyValuePair<string, object?>> pairs ? string.Join(" ", pairs.Select(p => $"{p.Key}={p.Value}")) : "";
        _entries.Enqueue($"{logLevel}: {formatter(state, exception)} [{values}] {exception}");
    }
}
