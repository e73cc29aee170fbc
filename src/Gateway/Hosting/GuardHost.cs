using System.Security.Cryptography.X509Certificates;
using Guard.Gateway.Admin;
using Guard.Gateway.Configuration;
using Guard.Gateway.Configuration.Yaml;
using Guard.Gateway.Embedded;
using Guard.Gateway.State;
using Guard.Gateway.Forwarding;
using Guard.Gateway.Health;
using Guard.Gateway.Inference;
using Guard.Gateway.Metrics;
using Guard.Gateway.Runtime;
using Guard.Rpc;
using Guard.Rpc.Health;
using Guard.Rpc.Server;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Connections;
using Microsoft.AspNetCore.Connections.Features;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Server.Kestrel.Core;
using Microsoft.AspNetCore.Server.Kestrel.Https;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;

namespace Guard.Gateway.Hosting;

/// <summary>Builds the Guard process: configuration, services, Kestrel listeners and the request pipeline.</summary>
public static class GuardHost
{
    private const string ListenerItemKey = "guard.listener";

    /// <summary>Environment variables with this prefix override the file: <c>GUARD_listeners__grpc__address</c>.</summary>
    public const string EnvironmentPrefix = "GUARD_";

    public static IConfigurationBuilder AddGuardConfiguration(this IConfigurationBuilder builder, GuardHostSettings settings)
    {
        var path = Path.GetFullPath(settings.ConfigPath);
        if (!File.Exists(path))
        {
            throw new InvalidConfigurationException([$"configuration file '{settings.ConfigPath}' does not exist"]);
        }

        var extension = Path.GetExtension(path).ToLowerInvariant();
        _ = extension switch
        {
            ".yaml" or ".yml" => builder.AddYamlFile(path, optional: false, reloadOnChange: true),
            ".json" => builder.AddJsonFile(path, optional: false, reloadOnChange: true),
            _ => throw new InvalidConfigurationException([$"configuration file '{settings.ConfigPath}' must end in .yaml, .yml or .json"]),
        };
        // Detector thresholds written by `guard calibrate` lie over the file; a running Guard picks up a new calibration.
        return builder.AddYamlFile(CalibrationPathFor(path), optional: true, reloadOnChange: true)
            .AddEnvironmentVariables(EnvironmentPrefix).AddInMemoryCollection(settings.Overrides);
    }

    /// <summary>Where <c>guard calibrate</c> writes the thresholds for the configuration at <paramref name="configPath"/>: beside it, <c>NAME.calibration.yaml</c>.</summary>
    public static string CalibrationPathFor(string configPath) =>
        Path.Combine(Path.GetDirectoryName(Path.GetFullPath(configPath))!, Path.GetFileNameWithoutExtension(configPath) + ".calibration.yaml");

    /// <summary>Reads and validates the configuration without starting anything (for <c>guard config validate</c>).</summary>
    public static GuardOptions LoadAndValidate(GuardHostSettings settings)
    {
        var configuration = LoadConfiguration(() => new ConfigurationBuilder().AddGuardConfiguration(settings).Build());
        return GuardOptionsBinder.BindValid(configuration);
    }

    /// <summary>Turns a file that cannot be read or parsed into a configuration error naming the file and line.</summary>
    private static T LoadConfiguration<T>(Func<T> load)
    {
        try
        {
            return load();
        }
        catch (Exception ex) when (ex is FormatException or InvalidDataException)
        {
            var detail = ex.InnerException is { } inner && !ex.Message.Contains(inner.Message, StringComparison.Ordinal) ? $" {inner.Message}" : "";
            throw new InvalidConfigurationException([ex.Message + detail]);
        }
    }

    public static WebApplication Build(GuardHostSettings settings)
    {
        var builder = WebApplication.CreateSlimBuilder(new WebApplicationOptions { ApplicationName = "guard", Args = [] });
        builder.Configuration.Sources.Clear();
        LoadConfiguration(() => builder.Configuration.AddGuardConfiguration(settings));

        // Fail before binding any port when the file itself is wrong.
        var options = GuardOptionsBinder.BindValid(builder.Configuration);

        ConfigureLogging(builder.Logging, builder.Configuration, settings.LogFormat);
        ConfigureServices(builder.Services);

        if (options.ModelHost is { } modelHost)
        {
            builder.Services.AddSingleton(sp => LoadModelHost(modelHost, sp));
        }

        builder.Services.AddSingleton(sp => new Detections.BlockedQueryLogHost(options.BlockedQueryLog, sp.GetRequiredService<ILogger<Detections.BlockedQueryLogHost>>()));
        builder.Services.AddHostedService(sp => sp.GetRequiredService<Detections.BlockedQueryLogHost>());
        builder.Services.AddSingleton<Detections.DetectionResponder>();
        builder.Services.AddSingleton(_ => new Detections.QueryEncoders(options.ModelHost?.OnnxRuntimeLibrary is { Length: > 0 } ort ? ort : null));
        builder.Services.AddSingleton(sp => StateStoreHost.Create(options.State, sp.GetRequiredService<StateMetrics>(), sp.GetRequiredService<ILoggerFactory>()));

        // The state starts from these validated options rather than binding and validating them again.
        builder.Services.AddSingleton(sp => new GatewayState(
            options, builder.Configuration, sp.GetRequiredService<GatewayMetrics>(), sp.GetRequiredService<ILogger<GatewayState>>(),
            sp.GetService<EmbeddedModels>(), sp.GetRequiredService<StateStoreHost>(), sp.GetRequiredService<Detections.QueryEncoders>()));
        if (options.Admin.Enabled)
        {
            AdminHosting.AddServices(builder.Services, options.Admin);
        }

        var addresses = new ListenerAddresses();
        builder.Services.AddSingleton(addresses);
        builder.WebHost.ConfigureKestrel(kestrel =>
        {
            ConfigureKestrel(kestrel, options.Listeners, addresses);
            if (options.Admin.Enabled)
            {
                ConfigureAdminListeners(kestrel, options.Admin, addresses);
            }
        });

        var app = builder.Build();
        ConfigurePipeline(app);
        return app;
    }

    /// <summary>Loads ONNX Runtime and the repository's models; what stops them is a start-up error naming the cause.</summary>
    private static EmbeddedModels LoadModelHost(Guard.ModelHost.Configuration.ModelHostOptions options, IServiceProvider services)
    {
        try
        {
            return EmbeddedModels.Load(options, services.GetRequiredService<ModelHostMetrics>(), services.GetRequiredService<ILogger<EmbeddedModels>>());
        }
        catch (Exception ex) when (ex is Guard.OnnxRuntime.OnnxRuntimeException or Guard.ModelHost.ExecutionProviderUnavailableException or DirectoryNotFoundException)
        {
            throw new InvalidConfigurationException([$"modelHost: {ex.Message}"]);
        }
    }

    private static void ConfigureLogging(ILoggingBuilder logging, ConfigurationManager configuration, string format)
    {
        logging.ClearProviders();
        logging.AddConfiguration(configuration.GetSection("logging"));
        if (format == "json")
        {
            logging.AddJsonConsole(o => o.TimestampFormat = "O");
        }
        else
        {
            logging.AddSimpleConsole(o =>
            {
                o.SingleLine = true;
                o.TimestampFormat = "yyyy-MM-ddTHH:mm:ss.fffZ ";
                o.UseUtcTimestamp = true;
            });
        }

        // Kestrel logs every reset stream at Information; they are normal for gRPC cancellations.
        logging.AddFilter("Microsoft.AspNetCore.Server.Kestrel", LogLevel.Warning);
        logging.AddFilter("Microsoft.AspNetCore.Hosting", LogLevel.Warning);
        logging.AddFilter("Microsoft.AspNetCore.Routing", LogLevel.Warning);
        logging.AddFilter("Microsoft.Hosting.Lifetime", LogLevel.Information);
    }

    private static void ConfigureServices(IServiceCollection services)
    {
        services.AddSingleton<MetricsRegistry>();
        services.AddSingleton<GatewayMetrics>();
        services.AddSingleton<HealthService>();
        services.AddSingleton<UpstreamForwarder>();
        services.AddSingleton<ModelSignatureCache>();
        services.AddSingleton<PipelineMetricsObserver>();
        services.AddSingleton<ModelHostMetrics>();
        services.AddSingleton<StateMetrics>();
        services.AddSingleton<InferenceProxyService>();
        services.AddHostedService<ActiveHealthChecker>();
        services.AddSingleton(sp =>
        {
            var registry = new GrpcServiceRegistry();
            sp.GetRequiredService<InferenceProxyService>().Register(registry);
            sp.GetRequiredService<HealthService>().Register(registry);
            return registry;
        });

        // Listener addresses and TLS are read once; limits and compression follow reloads.
        services.AddSingleton(sp =>
        {
            var state = sp.GetRequiredService<GatewayState>();
            return new GrpcDispatcher(
                sp.GetRequiredService<GrpcServiceRegistry>(),
                () => state.Current.ServerOptions,
                sp.GetRequiredService<ILogger<GrpcDispatcher>>());
        });
    }

    private static void ConfigureKestrel(KestrelServerOptions kestrel, ListenersOptions listeners, ListenerAddresses addresses)
    {
        kestrel.AddServerHeader = false;
        var http2 = kestrel.Limits.Http2;
        http2.MaxStreamsPerConnection = listeners.Grpc.MaxConcurrentStreams;

        // Larger windows let big tensors flow without waiting on WINDOW_UPDATEs every 64-768 KiB.
        http2.InitialConnectionWindowSize = 16 * 1024 * 1024;
        http2.InitialStreamWindowSize = 8 * 1024 * 1024;

        // Fewer, larger DATA frames from clients that honour it: a 1 MiB tensor in 4 frames instead of 64.
        http2.MaxFrameSize = 256 * 1024;
        http2.KeepAlivePingDelay = TimeSpan.FromSeconds(60);
        http2.KeepAlivePingTimeout = TimeSpan.FromSeconds(20);

        // Addresses were validated before the host was built.
        var grpc = Parse(listeners.Grpc.Address);
        kestrel.Listen(grpc.Address, grpc.Port, listen =>
        {
            Tag(listen, ListenerKind.Grpc);
            if (listeners.Grpc.Tls is { } tls)
            {
                // ALPN picks h2 for gRPC clients.
                listen.Protocols = HttpProtocols.Http1AndHttp2;
                listen.UseHttps(Https(tls));
            }
            else
            {
                listen.Protocols = HttpProtocols.Http2;
            }

            addresses.SetGrpc(listen, listeners.Grpc.Tls is not null);
        });

        if (!string.IsNullOrEmpty(listeners.Http.Address))
        {
            var http = Parse(listeners.Http.Address);
            kestrel.Listen(http.Address, http.Port, listen =>
            {
                Tag(listen, ListenerKind.Http);
                // Browsers and curl speak HTTP/1.1 here; h2c would need prior knowledge.
                listen.Protocols = HttpProtocols.Http1;
                addresses.SetHttp(listen);
            });
        }
    }

    private static void ConfigureAdminListeners(KestrelServerOptions kestrel, Guard.Admin.AdminOptions admin, ListenerAddresses addresses)
    {
        var console = Parse(admin.Address);
        kestrel.Listen(console.Address, console.Port, listen =>
        {
            Tag(listen, ListenerKind.Admin);
            listen.Protocols = admin.Tls is null ? HttpProtocols.Http1 : HttpProtocols.Http1AndHttp2;
            if (admin.Tls is { } tls)
            {
                listen.UseHttps(Https(new TlsServerOptions { Certificate = tls.Certificate, Key = tls.Key }));
            }

            addresses.SetAdmin(listen);
        });

        if (!string.IsNullOrEmpty(admin.GrpcAddress))
        {
            var grpc = Parse(admin.GrpcAddress);
            kestrel.Listen(grpc.Address, grpc.Port, listen =>
            {
                Tag(listen, ListenerKind.AdminGrpc);
                listen.Protocols = HttpProtocols.Http2;
                if (admin.Tls is { } tls)
                {
                    listen.UseHttps(Https(new TlsServerOptions { Certificate = tls.Certificate, Key = tls.Key }));
                }

                addresses.SetAdminGrpc(listen);
            });
        }
    }

    private static HostPort Parse(string address) =>
        HostPort.TryParse(address, out var parsed, out var error) ? parsed : throw new InvalidConfigurationException([error]);

    private static HttpsConnectionAdapterOptions Https(TlsServerOptions tls)
    {
        var options = new HttpsConnectionAdapterOptions
        {
            ServerCertificate = X509Certificate2.CreateFromPemFile(tls.Certificate, tls.Key),
            ClientCertificateMode = tls.ClientCertificates switch
            {
                "require" => ClientCertificateMode.RequireCertificate,
                "allow" => ClientCertificateMode.AllowCertificate,
                _ => ClientCertificateMode.NoCertificate,
            },
        };
        if (tls.ClientCertificates != "none" && tls.ClientCa is { } caFile)
        {
            var roots = new X509Certificate2Collection();
            roots.ImportFromPemFile(caFile);
            options.ClientCertificateValidation = (certificate, _, _) =>
            {
                using var chain = new X509Chain();
                chain.ChainPolicy.TrustMode = X509ChainTrustMode.CustomRootTrust;
                chain.ChainPolicy.CustomTrustStore.AddRange(roots);
                chain.ChainPolicy.RevocationMode = X509RevocationMode.NoCheck;

                // The certificate must be meant for client authentication, not just signed by the CA.
                chain.ChainPolicy.ApplicationPolicy.Add(new System.Security.Cryptography.Oid("1.3.6.1.5.5.7.3.2"));
                return chain.Build(certificate);
            };
        }

        return options;
    }

    private static void Tag(Microsoft.AspNetCore.Server.Kestrel.Core.ListenOptions listen, ListenerKind kind) =>
        listen.Use(next => connection =>
        {
            connection.Items[ListenerItemKey] = kind;
            return next(connection);
        });

    private static ListenerKind KindOf(HttpContext http) =>
        http.Features.Get<IConnectionItemsFeature>()?.Items.TryGetValue(ListenerItemKey, out var kind) == true && kind is ListenerKind k
            ? k
            : ListenerKind.Http;

    private static void ConfigurePipeline(WebApplication app)
    {
        var dispatcher = app.Services.GetRequiredService<GrpcDispatcher>();
        app.Use((http, next) => KindOf(http) == ListenerKind.Grpc ? dispatcher.HandleAsync(http) : next(http));

        // Each listener serves only its own routes: nothing of the console on the health port, no metrics on the console's.
        if (app.Services.GetService<AdminHosting>() is { } admin)
        {
            app.MapWhen(http => KindOf(http) == ListenerKind.AdminGrpc, branch => branch.Run(admin.Dispatcher.HandleAsync));
            app.MapWhen(http => KindOf(http) == ListenerKind.Admin, admin.Configure);
        }

        app.MapWhen(http => KindOf(http) == ListenerKind.Http, branch =>
        {
            branch.UseRouting();
            branch.UseEndpoints(HttpEndpoints.Map);
        });

        // Resolve the state now so an unusable configuration (a bad certificate, say) fails the start.
        app.Services.GetRequiredService<GatewayState>();
    }
}
