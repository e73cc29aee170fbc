using System.Net.Http;
using Guard.Gateway.Hosting;
using Microsoft.AspNetCore.Builder;
using Microsoft.Extensions.DependencyInjection;

namespace Guard.Integration.Tests.Infrastructure;

/// <summary>
/// Guard running in the test process on free loopback ports, from a YAML configuration written to a temp
/// file (which tests may rewrite to exercise reload).
/// </summary>
public sealed class GuardServer : IAsyncDisposable
{
    private readonly WebApplication _app;
    private readonly string _directory;

    private GuardServer(WebApplication app, string directory, string configPath)
    {
        _app = app;
        _directory = directory;
        ConfigPath = configPath;
        var addresses = app.Services.GetRequiredService<ListenerAddresses>();
        GrpcPort = addresses.Grpc!.Port;
        HttpPort = addresses.Http?.Port ?? 0;
        Http = new HttpClient { BaseAddress = new Uri($"http://127.0.0.1:{HttpPort}") };
    }

    public string ConfigPath { get; }

    public int GrpcPort { get; }

    public int HttpPort { get; }

    /// <summary>host:port for gRPC clients.</summary>
    public string GrpcAddress => $"127.0.0.1:{GrpcPort}";

    public Uri GrpcUri => new($"http://127.0.0.1:{GrpcPort}");

    public HttpClient Http { get; }

    public IServiceProvider Services => _app.Services;

    /// <summary>Starts Guard. The YAML needs no listeners section: both listeners get free ports.</summary>
    public static async Task<GuardServer> StartAsync(string yaml, IReadOnlyDictionary<string, string?>? overrides = null)
    {
        var directory = Directory.CreateTempSubdirectory("guard-it-").FullName;
        var path = Path.Combine(directory, "guard.yaml");
        await File.WriteAllTextAsync(path, yaml);
        var all = new Dictionary<string, string?>
        {
            ["listeners:grpc:address"] = "127.0.0.1:0",
            ["listeners:http:address"] = "127.0.0.1:0",
            ["admin:address"] = "127.0.0.1:0",
            ["admin:grpcAddress"] = "127.0.0.1:0",
            ["logging:logLevel:default"] = "Warning",
            ["blockedQueryLog:path"] = Path.Combine(directory, "blocked-queries.db"),
        };
        foreach (var (k, v) in overrides ?? new Dictionary<string, string?>())
        {
            all[k] = v;
        }

        var app = GuardHost.Build(new GuardHostSettings(path) { Overrides = all });
        await app.StartAsync();
        return new GuardServer(app, directory, path);
    }

    public T Get<T>()
        where T : notnull => _app.Services.GetRequiredService<T>();

    /// <summary>Replaces the configuration file; Guard reloads it on its own.</summary>
    public Task RewriteConfigAsync(string yaml) => File.WriteAllTextAsync(ConfigPath, yaml);

    public async Task<string> MetricsAsync() => await Http.GetStringAsync("/metrics");

    public async ValueTask DisposeAsync()
    {
        Http.Dispose();
        await _app.StopAsync();
        await _app.DisposeAsync();
        try
        {
            Directory.Delete(_directory, recursive: true);
        }
        catch (IOException)
        {
        }
    }
}
