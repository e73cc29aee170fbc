using Guard.TestSupport;
using System.Diagnostics;
using System.Globalization;
using Microsoft.Extensions.Logging.Abstractions;

namespace Guard.Redis.Tests.Support;

/// <summary>
/// A real 3-master Redis Cluster on loopback: three cluster-enabled redis-servers (bus ports chosen explicitly so
/// they are free too), joined with redis-cli --cluster create, ready once every node reports cluster_state:ok.
/// </summary>
public sealed class RedisClusterFixture : IAsyncLifetime
{
    private readonly List<RedisServer> _servers = [];

    public IReadOnlyList<RedisServer> Servers => _servers;

    public async Task InitializeAsync()
    {
        try
        {
            for (var i = 0; i < 3; i++)
            {
                _servers.Add(await RedisServer.StartAsync(
                    "--cluster-enabled", "yes",
                    "--cluster-config-file", $"nodes-{i}.conf",
                    "--cluster-port", FreePort.Next().ToString(CultureInfo.InvariantCulture),
                    "--cluster-node-timeout", "5000"));
            }

            await RunRedisCli(["--cluster", "create", .. _servers.Select(s => s.Endpoint), "--cluster-replicas", "0", "--cluster-yes"]);
            await WaitForClusterOkAsync();
        }
        catch
        {
            await DisposeAsync();
            throw;
        }
    }

    public async Task DisposeAsync()
    {
        foreach (var server in _servers)
        {
            await server.DisposeAsync();
        }
    }

    /// <summary>A plain (non-cluster) client to one node, for administrative commands.</summary>
    public RedisClient Direct(int node) => Clients.Create(_servers[node].Endpoint);

    /// <summary>A cluster client that knows only the first node.</summary>
    public RedisClient ClusterClient(Microsoft.Extensions.Logging.ILogger<RedisClient>? logger = null) =>
        new(new RedisOptions { Endpoints = [_servers[0].Endpoint], Cluster = true, CommandTimeout = Clients.TestCommandTimeout }, logger ?? NullLogger<RedisClient>.Instance);

    /// <summary>Index of the node serving <paramref name="slot"/> now, asked of node 0.</summary>
    public async Task<int> OwnerOf(int slot)
    {
        await using var direct = Direct(0);
        var ranges = await direct.ExecuteAsync(["CLUSTER", "SLOTS"]);
        foreach (var range in ranges.Items)
        {
            if (range.Items[0].Integer <= slot && slot <= range.Items[1].Integer)
            {
                var port = (int)range.Items[2].Items[1].Integer;
                return _servers.FindIndex(s => s.Port == port);
            }
        }

        throw new InvalidOperationException($"Slot {slot} has no owner.");
    }

    public async Task<string> NodeId(int node)
    {
        await using var direct = Direct(node);
        return (await direct.ExecuteAsync(["CLUSTER", "MYID"])).AsString()!;
    }

    private static async Task RunRedisCli(string[] args)
    {
        var start = new ProcessStartInfo("/usr/bin/redis-cli") { UseShellExecute = false, RedirectStandardOutput = true, RedirectStandardError = true };
        foreach (var arg in args)
        {
            start.ArgumentList.Add(arg);
        }

        using var process = Process.Start(start)!;
        var output = process.StandardOutput.ReadToEndAsync();
        var error = process.StandardError.ReadToEndAsync();
        using var timeout = new CancellationTokenSource(TimeSpan.FromSeconds(30));
        await process.WaitForExitAsync(timeout.Token);
        if (process.ExitCode != 0)
        {
            throw new InvalidOperationException($"redis-cli {string.Join(' ', args)} failed ({process.ExitCode}):\n{await output}\n{await error}");
        }
    }

    private async Task WaitForClusterOkAsync()
    {
        var deadline = DateTime.UtcNow + TimeSpan.FromSeconds(20);
        for (var node = 0; node < _servers.Count; node++)
        {
            await using var direct = Direct(node);
            while (true)
            {
                var info = (await direct.ExecuteAsync(["CLUSTER", "INFO"])).AsString()!;
                if (info.Contains("cluster_state:ok", StringComparison.Ordinal) && info.Contains("cluster_known_nodes:3", StringComparison.Ordinal))
                {
                    break;
                }

                if (DateTime.UtcNow > deadline)
                {
                    throw new TimeoutException("The cluster did not reach cluster_state:ok:\n" + info);
                }

                await Task.Delay(50);
            }
        }
    }
}
