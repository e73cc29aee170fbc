using Guard.Admin;
using Guard.Admin.Api;
using Guard.Admin.Console;
using Guard.AuditLog;
using Guard.Gateway.Detections;
using Guard.Gateway.Metrics;
using Guard.Gateway.Runtime;
using Guard.Gateway.State;
using Guard.Rpc.Server;
using Microsoft.AspNetCore.Builder;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;

namespace Guard.Gateway.Admin;

/// <summary>Puts the admin surface into the host: its services, the gRPC admin dispatcher and the console's pipeline.</summary>
public sealed class AdminHosting(AdminSurface surface, GrpcDispatcher dispatcher)
{
    public AdminSurface Surface { get; } = surface;

    /// <summary>Serves guard.admin.v1.AdminService on the admin gRPC listener.</summary>
    public GrpcDispatcher Dispatcher { get; } = dispatcher;

    public static void AddServices(IServiceCollection services, AdminOptions options)
    {
        services.AddSingleton(TimeProvider.System);
        services.AddSingleton<GatewayPolicyCatalog>();
        services.AddSingleton(sp => new GatewayLiveStats(
            sp.GetRequiredService<GatewayMetrics>(), sp.GetRequiredService<GatewayState>(), sp.GetRequiredService<StateStoreHost>(), sp.GetRequiredService<TimeProvider>()));
        services.AddSingleton(sp =>
        {
            var stateHost = sp.GetRequiredService<StateStoreHost>();
            var log = sp.GetRequiredService<BlockedQueryLogHost>().Log;
            var audit = (log as DbBlockedQueryLog)?.AdminAudit
                ?? throw new InvalidOperationException("The blocked-query log keeps no admin audit trail.");
            return new AdminSurface(options, sp.GetRequiredService<GatewayPolicyCatalog>(), stateHost.Store, stateHost.Notifications, log, audit,
                sp.GetRequiredService<GatewayLiveStats>(), sp.GetRequiredService<ILoggerFactory>(), sp.GetRequiredService<TimeProvider>());
        });
        services.AddSingleton(sp =>
        {
            var registry = new GrpcServiceRegistry();
            new AdminGrpcService(sp.GetRequiredService<AdminSurface>()).Register(registry);
            var state = sp.GetRequiredService<GatewayState>();
            var dispatcher = new GrpcDispatcher(registry, () => state.Current.ServerOptions, sp.GetRequiredService<ILogger<GrpcDispatcher>>());
            return new AdminHosting(sp.GetRequiredService<AdminSurface>(), dispatcher);
        });
        services.AddHostedService(sp => sp.GetRequiredService<AdminSurface>().Watcher);
    }

    /// <summary>The console listener's pipeline: security headers on everything, then the API and the page.</summary>
    public void Configure(IApplicationBuilder branch)
    {
        branch.Use((http, next) => AdminSecurityHeaders.ApplyAsync(http, () => next(http)));
        branch.UseRouting();
        branch.UseEndpoints(endpoints =>
        {
            AdminHttpApi.Map(endpoints, Surface);
            ConsoleFiles.Map(endpoints);
        });
    }
}
