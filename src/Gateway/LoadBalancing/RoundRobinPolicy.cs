using Guard.Gateway.Upstreams;

namespace Guard.Gateway.LoadBalancing;

public sealed class RoundRobinPolicy : ILoadBalancingPolicy
{
    private uint _next;

    public string Name => "roundRobin";

    public UpstreamEndpoint Pick(IReadOnlyList<UpstreamEndpoint> available)
    {
        var n = Interlocked.Increment(ref _next) - 1;
        return available[(int)(n % (uint)available.Count)];
    }
}
