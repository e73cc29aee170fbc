using System.Net.Security;
using System.Security.Cryptography.X509Certificates;

namespace Guard.Redis.Connections;

/// <summary>
/// <see cref="RedisTlsOptions"/> loaded once: a private CA replaces the system store for the server's chain, and a
/// client certificate is presented when configured. Each option takes a PEM file path or the PEM text itself.
/// </summary>
internal sealed class TlsSettings : IDisposable
{
    private readonly X509Certificate2Collection? _trust;
    private readonly X509Certificate2? _clientCertificate;
    private readonly string? _serverName;

    private TlsSettings(X509Certificate2Collection? trust, X509Certificate2? clientCertificate, string? serverName)
    {
        _trust = trust;
        _clientCertificate = clientCertificate;
        _serverName = serverName;
    }

    /// <exception cref="ArgumentException">A PEM could not be read.</exception>
    public static TlsSettings? From(RedisTlsOptions? options)
    {
        if (options is null)
        {
            return null;
        }

        X509Certificate2Collection? trust = null;
        if (options.Ca is not null)
        {
            trust = [];
            trust.ImportFromPem(ReadPem(options.Ca, "Ca"));
            if (trust.Count == 0)
            {
                throw new ArgumentException("Redis TLS option Ca holds no PEM certificate.", nameof(options));
            }
        }

        X509Certificate2? client = null;
        if (options.Certificate is not null)
        {
            var certificate = ReadPem(options.Certificate, "Certificate");
            var key = options.Key is null ? certificate : ReadPem(options.Key, "Key");
            using var ephemeral = X509Certificate2.CreateFromPem(certificate, key);

            // A PEM-loaded key is ephemeral; a PKCS#12 round trip gives SslStream a key it can use on every platform.
            client = X509CertificateLoader.LoadPkcs12(ephemeral.Export(X509ContentType.Pkcs12), null);
        }

        return new TlsSettings(trust, client, options.ServerName);
    }

    /// <summary>Options for one handshake with <paramref name="host"/> (the name checked and sent as SNI unless ServerName overrides it).</summary>
    public SslClientAuthenticationOptions ForHost(string host)
    {
        var options = new SslClientAuthenticationOptions { TargetHost = _serverName ?? host };
        if (_clientCertificate is not null)
        {
            options.ClientCertificates = [_clientCertificate];
        }

        if (_trust is not null)
        {
            var policy = new X509ChainPolicy
            {
                TrustMode = X509ChainTrustMode.CustomRootTrust,

                // Private Redis CAs rarely publish revocation lists; SslStream's own default is no check either.
                RevocationMode = X509RevocationMode.NoCheck,
            };
            policy.CustomTrustStore.AddRange(_trust);
            options.CertificateChainPolicy = policy;
        }

        return options;
    }

    public void Dispose()
    {
        _clientCertificate?.Dispose();
        if (_trust is not null)
        {
            foreach (var certificate in _trust)
            {
                certificate.Dispose();
            }
        }
    }

    private static string ReadPem(string value, string option)
    {
        if (value.Contains("-----BEGIN", StringComparison.Ordinal))
        {
            return value;
        }

        try
        {
            return File.ReadAllText(value);
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            throw new ArgumentException($"Redis TLS option {option}: cannot read '{value}': {e.Message}", e);
        }
    }
}
