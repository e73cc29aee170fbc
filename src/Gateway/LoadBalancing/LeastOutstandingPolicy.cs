using Guard.Gateway.Upstreams;

namespace Guard.Gateway.LoadBalancing;

/// <summary>The endpoint with the fewest calls in flight; ties go round-robin so idle endpoints share the load.</summary>
public sealed class LeastOutstandingPolicy : ILoadBalancingPolicy
{
    private uint _start;

    public string Name => "leastOutstanding";

    public UpstreamEndpoint Pick(IReadOnlyList<UpstreamEndpoint> available)
    {
        var count = available.Count;
        var start = (int)((Interlocked.Increment(ref _start) - 1) % (uint)count);
        var best = available[start];
        for (var i = 1; i < count; i++)
        {
            var candidate = available[(start + i) % count];
            if (candidate.Outstanding < best.Outstanding)
            {
                best = candidate;
            }
        }

        return best;
    }
}
