using System.Net;
using System.Security.Cryptography;
using System.Security.Cryptography.X509Certificates;

namespace Guard.Redis.Tests.Support;

/// <summary>
/// A throwaway CA, a server certificate (localhost, 127.0.0.1) and a client certificate it signed, and an unrelated CA,
/// written as PEM files to a temporary directory.
/// </summary>
public sealed class TestCertificates : IDisposable
{
    public TestCertificates()
    {
        Directory = System.IO.Directory.CreateTempSubdirectory("guard-redis-tls-").FullName;
        try
        {
            (CaFile, CertFile, KeyFile, ClientCertFile, ClientKeyFile, OtherCaFile) = Generate();
        }
        catch
        {
            Dispose();
            throw;
        }
    }

    public string Directory { get; }

    public string CaFile { get; }

    public string CertFile { get; }

    public string KeyFile { get; }

    public string ClientCertFile { get; }

    public string ClientKeyFile { get; }

    /// <summary>A CA that did not sign the server certificate.</summary>
    public string OtherCaFile { get; }

    public void Dispose()
    {
        try
        {
            System.IO.Directory.Delete(Directory, recursive: true);
        }
        catch (IOException)
        {
        }
    }

    private (string Ca, string Cert, string Key, string ClientCert, string ClientKey, string OtherCa) Generate()
    {
        var now = DateTimeOffset.UtcNow;
        using var caKey = ECDsa.Create(ECCurve.NamedCurves.nistP256);
        using var ca = CreateCa(caKey, "CN=Guard Test CA", now);
        using var serverKey = ECDsa.Create(ECCurve.NamedCurves.nistP256);
        var request = new CertificateRequest("CN=localhost", serverKey, HashAlgorithmName.SHA256);
        var names = new SubjectAlternativeNameBuilder();
        names.AddDnsName("localhost");
        names.AddIpAddress(IPAddress.Loopback);
        request.CertificateExtensions.Add(names.Build());
        request.CertificateExtensions.Add(new X509BasicConstraintsExtension(false, false, 0, true));
        request.CertificateExtensions.Add(new X509EnhancedKeyUsageExtension([new Oid("1.3.6.1.5.5.7.3.1")], false));
        using var server = request.Create(ca, now.AddMinutes(-5), now.AddHours(23), [1, 2, 3, 4]);

        var caFile = Write("ca.pem", ca.ExportCertificatePem());
        var certFile = Write("server.pem", server.ExportCertificatePem());
        var keyFile = Write("server.key", serverKey.ExportPkcs8PrivateKeyPem());

        using var clientKey = ECDsa.Create(ECCurve.NamedCurves.nistP256);
        var clientRequest = new CertificateRequest("CN=guard-client", clientKey, HashAlgorithmName.SHA256);
        clientRequest.CertificateExtensions.Add(new X509BasicConstraintsExtension(false, false, 0, true));
        clientRequest.CertificateExtensions.Add(new X509EnhancedKeyUsageExtension([new Oid("1.3.6.1.5.5.7.3.2")], false));
        using var client = clientRequest.Create(ca, now.AddMinutes(-5), now.AddHours(23), [5, 6, 7, 8]);
        var clientCertFile = Write("client.pem", client.ExportCertificatePem());
        var clientKeyFile = Write("client.key", clientKey.ExportPkcs8PrivateKeyPem());

        using var otherKey = ECDsa.Create(ECCurve.NamedCurves.nistP256);
        using var other = CreateCa(otherKey, "CN=Some Other CA", now);
        return (caFile, certFile, keyFile, clientCertFile, clientKeyFile, Write("other-ca.pem", other.ExportCertificatePem()));
    }

    private static X509Certificate2 CreateCa(ECDsa key, string subject, DateTimeOffset now)
    {
        var request = new CertificateRequest(subject, key, HashAlgorithmName.SHA256);
        request.CertificateExtensions.Add(new X509BasicConstraintsExtension(true, false, 0, true));
        request.CertificateExtensions.Add(new X509KeyUsageExtension(X509KeyUsageFlags.KeyCertSign | X509KeyUsageFlags.CrlSign, true));
        request.CertificateExtensions.Add(new X509SubjectKeyIdentifierExtension(request.PublicKey, false));
        return request.CreateSelfSigned(now.AddMinutes(-5), now.AddDays(1));
    }

    private string Write(string name, string pem)
    {
        var path = Path.Combine(Directory, name);
        File.WriteAllText(path, pem);
        return path;
    }
}
