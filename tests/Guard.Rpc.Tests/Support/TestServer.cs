using System.Net;
using Guard.Rpc.Client;
using Guard.Rpc.Server;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.Hosting.Server;
using Microsoft.AspNetCore.Hosting.Server.Features;
using Microsoft.AspNetCore.Server.Kestrel.Core;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Logging.Abstractions;

namespace Guard.Rpc.Tests.Support;

/// <summary>
/// A real Kestrel server on a loopback port (h2c) whose only request handler is <see cref="GrpcDispatcher"/>,
/// with the methods each test registers.
/// </summary>
public sealed class TestServer : IAsyncDisposable
{
    private readonly WebApplication _app;
    private readonly List<GrpcChannel> _channels = new();
    private readonly List<HttpClient> _clients = new();

    private TestServer(WebApplication app, Uri address)
    {
        _app = app;
        Address = address;
    }

    /// <summary>http://127.0.0.1:port/</summary>
    public Uri Address { get; }

    /// <summary>The options the dispatcher reads for each call; tests may replace them between calls.</summary>
    public GrpcServerOptions Options { get; set; } = new();

    /// <summary>With <c>tapRequests</c>: each request's headers and the raw body bytes the server read.</summary>
    public System.Collections.Concurrent.ConcurrentQueue<RequestTap> Taps { get; private init; } = new();

    public static async Task<TestServer> StartAsync(
        Action<GrpcServiceRegistry> register,
        GrpcServerOptions? options = null,
        HttpProtocols protocols = HttpProtocols.Http2,
        bool tapRequests = false)
    {
        var registry = new GrpcServiceRegistry();
        register(registry);

        var builder = WebApplication.CreateSlimBuilder();
        builder.Logging.ClearProviders();
        builder.WebHost.ConfigureKestrel(k =>
        {
            k.Listen(IPAddress.Loopback, 0, l => l.Protocols = protocols);
            k.Limits.Http2.MaxStreamsPerConnection = 1000;
        });
        var app = builder.Build();

        TestServer? server = null;
        var taps = new System.Collections.Concurrent.ConcurrentQueue<RequestTap>();
        if (tapRequests)
        {
            app.Use(async (http, next) =>
            {
                var tap = new RequestTap(http.Request.Path.Value ?? "", http.Request.Headers.ToDictionary(h => h.Key, h => h.Value.ToString(), StringComparer.OrdinalIgnoreCase));
                taps.Enqueue(tap);
                http.Request.Body = new TeeReadStream(http.Request.Body, tap.Body);
                await next(http);
            });
        }

        var dispatcher = new GrpcDispatcher(registry, () => server!.Options, NullLogger<GrpcDispatcher>.Instance);
        app.Run(dispatcher.HandleAsync);
        await app.StartAsync();

        var addresses = app.Services.GetRequiredService<IServer>().Features.Get<IServerAddressesFeature>()!.Addresses;
        var port = new Uri(addresses.First()).Port;
        server = new TestServer(app, new Uri($"http://127.0.0.1:{port}/")) { Options = options ?? new GrpcServerOptions(), Taps = taps };
        return server;
    }

    /// <summary>A client channel to this server, disposed with it.</summary>
    public GrpcChannel CreateChannel(GrpcChannelOptions? options = null)
    {
        var channel = new GrpcChannel(Address, options ?? new GrpcChannelOptions());
        lock (_channels)
        {
            _channels.Add(channel);
        }

        return channel;
    }

    /// <summary>A plain HttpClient that speaks h2c with prior knowledge, for hand-made requests.</summary>
    public HttpClient CreateRawClient()
    {
        var client = RawGrpc.CreateClient();
        lock (_clients)
        {
            _clients.Add(client);
        }

        return client;
    }

    public async ValueTask DisposeAsync()
    {
        foreach (var channel in _channels)
        {
            channel.Dispose();
        }

        foreach (var client in _clients)
        {
            client.Dispose();
        }

        using var stopping = new CancellationTokenSource(TimeSpan.FromSeconds(5));
        await _app.StopAsync(stopping.Token);
        await _app.DisposeAsync();
    }
}

/// <summary>What the server received for one request, as it was on the wire (after HTTP/2 framing).</summary>
public sealed class RequestTap(string path, Dictionary<string, string> headers)
{
    public string Path { get; } = path;

    public IReadOnlyDictionary<string, string> Headers { get; } = headers;

    public MemoryStream Body { get; } = new();
}

/// <summary>A read-only stream that copies everything read from the inner stream.</summary>
internal sealed class TeeReadStream(Stream inner, MemoryStream copy) : Stream
{
    public override bool CanRead => true;
    public override bool CanSeek => false;
    public override bool CanWrite => false;
    public override long Length => throw new NotSupportedException();

    public override long Position
    {
        get => throw new NotSupportedException();
        set => throw new NotSupportedException();
    }

    public override int Read(byte[] buffer, int offset, int count) => Read(buffer.AsSpan(offset, count));

    public override int Read(Span<byte> buffer)
    {
        var n = inner.Read(buffer);
        Record(buffer[..n]);
        return n;
    }

    public override Task<int> ReadAsync(byte[] buffer, int offset, int count, CancellationToken cancellationToken) =>
        ReadAsync(buffer.AsMemory(offset, count), cancellationToken).AsTask();

    public override async ValueTask<int> ReadAsync(Memory<byte> buffer, CancellationToken cancellationToken = default)
    {
        var n = await inner.ReadAsync(buffer, cancellationToken);
        Record(buffer.Span[..n]);
        return n;
    }

    public override void Flush()
    {
    }

    public override long Seek(long offset, SeekOrigin origin) => throw new NotSupportedException();

    public override void SetLength(long value) => throw new NotSupportedException();

    public override void Write(byte[] buffer, int offset, int count) => throw new NotSupportedException();

    private void Record(ReadOnlySpan<byte> bytes)
    {
        lock (copy)
        {
            copy.Write(bytes);
        }
    }
}
