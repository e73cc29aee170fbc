using Guard.Gateway.Configuration;
using Guard.Gateway.Upstreams;
using Guard.Rpc;
using Guard.Rpc.Server;

namespace Guard.Gateway.Runtime;

/// <summary>
/// Immutable runtime state built from one valid configuration. Requests take the current snapshot once and
/// use it to the end, so a reload never changes the rules under a request in flight.
/// </summary>
public sealed class GatewaySnapshot(GuardOptions options, IReadOnlyDictionary<string, UpstreamCluster> clusters, IReadOnlyDictionary<string, ModelRoute> routes, long generation)
{
    public const string CatchAllModel = "*";

    public GuardOptions Options { get; } = options;

    /// <summary>Identifies callers on the gRPC listener, with this generation's keys and sources.</summary>
    public Identity.ClientIdentityResolver Identity { get; } = new(options.Listeners.Grpc.Identity, new Identity.ApiKeyRegistry(options.Identity.ApiKeys));

    public IReadOnlyDictionary<string, UpstreamCluster> Clusters { get; } = clusters;

    public IReadOnlyDictionary<string, ModelRoute> Routes { get; } = routes;

    /// <summary>Whether some route hardens its outputs (streamed answers then need parsing).</summary>
    public bool HasHardenedRoutes { get; } = routes.Values.Any(r => r.Hardener is not null);

    /// <summary>The gRPC listener's limits and compression, as configured in this generation.</summary>
    public GrpcServerOptions ServerOptions { get; } = new()
    {
        Limits = new GrpcLimits { MaxReceiveMessageSize = options.Listeners.Grpc.MaxReceiveMessageBytes, MaxSendMessageSize = options.Listeners.Grpc.MaxSendMessageBytes },
        ResponseCompression = options.Listeners.Grpc.ResponseCompression,
        EnableDetailedErrors = options.Listeners.Grpc.DetailedErrors,
    };

    public long Generation { get; } = generation;

    public ModelRoute? Resolve(string model)
    {
        if (model.Length == 0)
        {
            return null;
        }

        return Routes.TryGetValue(model, out var route) ? route : Routes.GetValueOrDefault(CatchAllModel);
    }

    /// <summary>Guard is ready when every routed model has a healthy endpoint or is loaded in the embedded host.</summary>
    public bool IsReady
    {
        get
        {
            foreach (var route in Routes.Values)
            {
                if (!route.Backend.IsReady(route.Model))
                {
                    return false;
                }
            }

            return true;
        }
    }

    public IEnumerable<UpstreamEndpoint> AllEndpoints => Clusters.Values.SelectMany(c => c.Endpoints);
}
