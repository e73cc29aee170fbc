using Guard.Gateway.Upstreams;

namespace Guard.Gateway.LoadBalancing;

/// <summary>Picks one endpoint among the available ones for the next call.</summary>
public interface ILoadBalancingPolicy
{
    string Name { get; }

    UpstreamEndpoint Pick(IReadOnlyList<UpstreamEndpoint> available);
}
