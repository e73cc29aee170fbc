using System.Text.Json;
using Guard.Gateway.Metrics;
using Guard.Gateway.Runtime;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Routing;
using Microsoft.Extensions.DependencyInjection;

namespace Guard.Gateway.Hosting;

/// <summary>The HTTP listener's endpoints: liveness, readiness with upstream detail, Prometheus metrics.</summary>
internal static class HttpEndpoints
{
    public static void Map(IEndpointRouteBuilder app)
    {
        app.MapGet("/healthz", () => Results.Text("live\n"));
        app.MapGet("/readyz", (GatewayState state, IServiceProvider services) =>
        {
            var snapshot = state.Current;
            var host = services.GetService<Embedded.EmbeddedModels>()?.Host;
            var stateHost = services.GetService<State.StateStoreHost>();
            var body = new
            {
                ready = snapshot.IsReady,
                generation = snapshot.Generation,
                upstreams = snapshot.Clusters.Values.Select(c => new
                {
                    name = c.Name,
                    endpoints = c.Endpoints.Select(e => new
                    {
                        address = e.Address.ToString(),
                        healthy = e.IsHealthy,
                        outstanding = e.Outstanding,
                        lastCheck = e.LastCheck,
                        lastError = e.LastError,
                    }),
                }),
                // Degraded state (Redis down, breaker open) is reported, not made a readiness failure: each policy
                // already chose whether to fail open or closed, and pulling every replica would be the outage.
                state = stateHost is null ? null : new
                {
                    backend = stateHost.Backend.ToString().ToLowerInvariant(),
                    degraded = stateHost.Resilient?.IsDegraded ?? false,
                    breaker = stateHost.Resilient?.BreakerState.ToString().ToLowerInvariant(),
                },
                embeddedModels = host is null ? null : host.Loaded
                    .Select(m => new { name = m.Name, version = m.Version, ready = true, provider = m.ExecutionProvider.Actual, requestedProvider = m.ExecutionProvider.Requested, error = (string?)null })
                    .Concat(host.Failures.Select(f => new { name = f.Model, version = f.Version, ready = false, provider = "", requestedProvider = "", error = (string?)f.Reason }))
                    .OrderBy(m => m.name, StringComparer.Ordinal),
            };
            return Results.Json(body, statusCode: snapshot.IsReady ? StatusCodes.Status200OK : StatusCodes.Status503ServiceUnavailable);
        });
        app.MapGet("/metrics", (HttpContext http) =>
        {
            var registry = http.RequestServices.GetRequiredService<MetricsRegistry>();
            return Results.Text(registry.Export(), "text/plain; version=0.0.4; charset=utf-8");
        });
    }
}
