using Guard.Gateway.Configuration;
using Guard.Gateway.LoadBalancing;

namespace Guard.Gateway.Upstreams;

/// <summary>A named group of endpoints serving the same models, with its balancing policy and retry budget.</summary>
public sealed class UpstreamCluster(string name, IReadOnlyList<UpstreamEndpoint> endpoints, ILoadBalancingPolicy policy, UpstreamOptions options)
{
    public string Name { get; } = name;

    public IReadOnlyList<UpstreamEndpoint> Endpoints { get; } = endpoints;

    public ILoadBalancingPolicy Policy { get; } = policy;

    public UpstreamOptions Options { get; } = options;

    public bool HasHealthyEndpoint
    {
        get
        {
            foreach (var e in Endpoints)
            {
                if (e.IsHealthy)
                {
                    return true;
                }
            }

            return false;
        }
    }

    /// <summary>A healthy endpoint not in <paramref name="exclude"/>, or null when none is left.</summary>
    public UpstreamEndpoint? Pick(UpstreamEndpoint? exclude = null)
    {
        var endpoints = Endpoints;
        if (endpoints.Count == 1)
        {
            var only = endpoints[0];
            return only.IsHealthy && only != exclude ? only : null;
        }

        var available = new List<UpstreamEndpoint>(endpoints.Count);
        foreach (var e in endpoints)
        {
            if (e.IsHealthy && e != exclude)
            {
                available.Add(e);
            }
        }

        return available.Count == 0 ? null : Policy.Pick(available);
    }
}
