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

    /// <summary>
    /// A healthy endpoint other than <paramref name="exclude"/>; when none is healthy and the cluster routes
    /// anyway, any endpoint other than it (<paramref name="panic"/> is then true); null when none is left.
    /// </summary>
    public UpstreamEndpoint? Pick(UpstreamEndpoint? exclude, out bool panic)
    {
        panic = false;
        var endpoints = Endpoints;
        if (endpoints.Count == 1)
        {
            var only = endpoints[0];
            if (only == exclude)
            {
                return null;
            }

            panic = !only.IsHealthy;
            return only.IsHealthy || Options.HealthCheck.RouteWhenAllUnhealthy ? only : null;
        }

        // The common case, every endpoint healthy and none excluded, picks without building a list.
        if (exclude is null && AllHealthy(endpoints))
        {
            return Policy.Pick(endpoints);
        }

        var available = new List<UpstreamEndpoint>(endpoints.Count);
        foreach (var e in endpoints)
        {
            if (e.IsHealthy && e != exclude)
            {
                available.Add(e);
            }
        }

        if (available.Count == 0 && Options.HealthCheck.RouteWhenAllUnhealthy && !HasHealthyEndpoint)
        {
            panic = true;
            foreach (var e in endpoints)
            {
                if (e != exclude)
                {
                    available.Add(e);
                }
            }
        }

        return available.Count == 0 ? null : Policy.Pick(available);
    }

    private static bool AllHealthy(IReadOnlyList<UpstreamEndpoint> endpoints)
    {
        foreach (var e in endpoints)
        {
            if (!e.IsHealthy)
            {
                return false;
            }
        }

        return true;
    }
}
