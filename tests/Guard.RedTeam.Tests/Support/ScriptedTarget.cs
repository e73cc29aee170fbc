using Guard.RedTeam.Targets;
using Guard.Rpc;

namespace Guard.RedTeam.Tests.Support;

/// <summary>Wraps a target and refuses every query from the <c>refuseFrom</c>-th on (1-based), counting what it receives.</summary>
public sealed class ScriptedTarget(IBlackBoxTarget inner, int refuseFrom) : IBlackBoxTarget
{
    private int _received;

    public int Received => Volatile.Read(ref _received);

    public async ValueTask<QueryResult> QueryAsync(ReadOnlyMemory<float> image, CancellationToken cancellationToken)
    {
        var n = Interlocked.Increment(ref _received);
        return n >= refuseFrom
            ? QueryResult.Refused(StatusCode.PermissionDenied, "stateful detector: too many similar queries")
            : await inner.QueryAsync(image, cancellationToken);
    }
}
