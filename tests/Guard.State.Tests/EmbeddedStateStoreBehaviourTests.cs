using Guard.State.Embedded;
using Guard.State.Tests.Support;

namespace Guard.State.Tests;

/// <summary>The behaviour suite on the embedded store, with a manual clock.</summary>
public sealed class EmbeddedStateStoreBehaviourTests : StateStoreBehaviourTests
{
    private readonly ManualTimeProvider _time = new();

    protected override Task<IStateStore> CreateStoreAsync() =>
        Task.FromResult<IStateStore>(new EmbeddedStateStore(new EmbeddedStateOptions { MaxEntries = 10_000 }, _time));

    /// <summary>One process: its callers share the one store.</summary>
    protected override Task<IReadOnlyList<IStateStore>> CreatePeersAsync(int count) =>
        Task.FromResult<IReadOnlyList<IStateStore>>(Enumerable.Repeat(Store, count).ToArray());

    protected override Task WaitAsync(TimeSpan duration)
    {
        _time.Advance(duration);
        return Task.CompletedTask;
    }
}
