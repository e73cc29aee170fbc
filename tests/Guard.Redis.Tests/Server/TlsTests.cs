using Guard.TestSupport;
using Guard.Redis.Tests.Support;

namespace Guard.Redis.Tests.Server;

/// <summary>TLS to a TLS-only redis-server with a private CA.</summary>
public sealed class TlsTests : IAsyncLifetime, IDisposable
{
    private readonly TestCertificates _certificates = new();
    private RedisServer _server = null!;

    public async Task InitializeAsync() =>
        _server = await RedisServer.StartTlsAsync(_certificates.CertFile, _certificates.KeyFile, _certificates.CaFile);

    public async Task DisposeAsync()
    {
        if (_server is not null)
        {
            await _server.DisposeAsync();
        }
    }

    public void Dispose() => _certificates.Dispose();

    [Theory]
    [InlineData(null, 2)]
    [InlineData("localhost", 3)]
    public async Task Private_ca_is_trusted(string? serverName, int protocol)
    {
        await using var client = Clients.Create(_server.Endpoint, o =>
        {
            o.Tls = new RedisTlsOptions { Ca = _certificates.CaFile, ServerName = serverName };
            o.Protocol = protocol;
        });
        await client.Run("SET", "tls:k", "secure");
        Assert.Equal("secure", await client.Get("tls:k"));
        Assert.Equal("x", (await client.Run("ECHO", new string('x', 1))).AsString());
        var big = new byte[300_000];
        await client.Run("SET", "tls:big", big);
        Assert.Equal(big.Length, (await client.Run("STRLEN", "tls:big")).Integer);
    }

    [Fact]
    public async Task Ca_given_as_pem_text_works()
    {
        await using var client = Clients.Create(_server.Endpoint, o => o.Tls = new RedisTlsOptions { Ca = File.ReadAllText(_certificates.CaFile) });
        Assert.Equal("PONG", (await client.Run("PING")).Text);
    }

    [Fact]
    public async Task Wrong_ca_fails_with_a_connection_error()
    {
        await using var client = Clients.Create(_server.Endpoint, o => o.Tls = new RedisTlsOptions { Ca = _certificates.OtherCaFile });
        var error = await Assert.ThrowsAsync<RedisConnectionException>(() => client.Run("PING"));
        Assert.Contains(_server.Endpoint, error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Wrong_server_name_fails_with_a_connection_error()
    {
        await using var client = Clients.Create(_server.Endpoint, o => o.Tls = new RedisTlsOptions { Ca = _certificates.CaFile, ServerName = "not-the-server.example" });
        await Assert.ThrowsAsync<RedisConnectionException>(() => client.Run("PING"));
    }

    [Fact]
    public async Task Client_certificate_is_presented_when_the_server_requires_one()
    {
        await using var strict = await RedisServer.StartTlsAsync(_certificates.CertFile, _certificates.KeyFile, _certificates.CaFile, requireClientCertificates: true);
        await using (var client = Clients.Create(strict.Endpoint, o => o.Tls = new RedisTlsOptions
        {
            Ca = _certificates.CaFile,
            Certificate = _certificates.ClientCertFile,
            Key = _certificates.ClientKeyFile,
        }))
        {
            Assert.Equal("PONG", (await client.Run("PING")).Text);
        }

        await using var anonymous = Clients.Create(strict.Endpoint, o => o.Tls = new RedisTlsOptions { Ca = _certificates.CaFile });
        await Assert.ThrowsAsync<RedisConnectionException>(() => anonymous.Run("PING"));
    }
}
