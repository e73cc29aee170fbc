using System.Collections.Concurrent;
using Guard.State.Resilience;

namespace Guard.State.Tests.Support;

public sealed class RecordingObserver : IStateObserver
{
    private int _failures;

    public ConcurrentQueue<BreakerState> Changes { get; } = new();

    public ConcurrentQueue<StateFailureMode> Fallbacks { get; } = new();

    public int Failures => Volatile.Read(ref _failures);

    public void BackendFailed(Exception exception) => Interlocked.Increment(ref _failures);

    public void BreakerChanged(BreakerState state) => Changes.Enqueue(state);

    public void FellBack(StateFailureMode mode) => Fallbacks.Enqueue(mode);
}
