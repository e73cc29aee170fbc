using System.Net;
using System.Security.Cryptography;
using System.Security.Cryptography.X509Certificates;

namespace Guard.Integration.Tests.Tls;

/// <summary>
/// Throwaway PKI for one test class, written as PEM files into a fresh temp folder (deleted on dispose):
/// a CA, a server certificate for 127.0.0.1 / localhost and a client certificate, both signed by that CA, plus an
/// unrelated second CA with its own client certificate (for "wrong CA" checks). Keys are ECDSA P-256 (PKCS#8 PEM),
/// which Kestrel, SslStream and grpcio (BoringSSL) all accept.
/// </summary>
public sealed class TestCertificates : IDisposable
{
    public TestCertificates()
    {
        Directory = System.IO.Directory.CreateTempSubdirectory("guard-tls-").FullName;

        using var caKey = ECDsa.Create(ECCurve.NamedCurves.nistP256);
        using var ca = CreateCa("Guard Test CA", caKey);
        using var otherCaKey = ECDsa.Create(ECCurve.NamedCurves.nistP256);
        using var otherCa = CreateCa("Unrelated Test CA", otherCaKey);

        Ca = Write("ca", ca, caKey);
        Server = WriteLeaf("server", ca, "localhost", server: true);
        Client = WriteLeaf("client", ca, "guard-test-client", server: false);
        OtherCa = Write("other-ca", otherCa, otherCaKey);
        OtherClient = WriteLeaf("other-client", otherCa, "unrelated-client", server: false);
    }

    /// <summary>The folder holding every PEM file.</summary>
    public string Directory { get; }

    /// <summary>The CA that signed <see cref="Server"/> and <see cref="Client"/>.</summary>
    public PemPair Ca { get; }

    /// <summary>Server certificate: SAN IP 127.0.0.1 and DNS localhost, EKU serverAuth, signed by <see cref="Ca"/>.</summary>
    public PemPair Server { get; }

    /// <summary>Client certificate (EKU clientAuth) signed by <see cref="Ca"/>.</summary>
    public PemPair Client { get; }

    /// <summary>A CA unrelated to <see cref="Ca"/>.</summary>
    public PemPair OtherCa { get; }

    /// <summary>Client certificate signed by <see cref="OtherCa"/>.</summary>
    public PemPair OtherClient { get; }

    /// <summary>A fresh collection holding the CA certificate, for <c>GrpcChannelOptions.TrustedCertificates</c>.</summary>
    public static X509Certificate2Collection Trust(PemPair ca)
    {
        var collection = new X509Certificate2Collection();
        collection.ImportFromPemFile(ca.CertificatePath);
        return collection;
    }

    /// <summary>Loads a certificate with its private key.</summary>
    public static X509Certificate2 Load(PemPair pair) => X509Certificate2.CreateFromPemFile(pair.CertificatePath, pair.KeyPath);

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

    private static X509Certificate2 CreateCa(string name, ECDsa key)
    {
        var request = new CertificateRequest($"CN={name}, O=Guard tests", key, HashAlgorithmName.SHA256);
        request.CertificateExtensions.Add(new X509BasicConstraintsExtension(certificateAuthority: true, hasPathLengthConstraint: true, pathLengthConstraint: 0, critical: true));
        request.CertificateExtensions.Add(new X509KeyUsageExtension(X509KeyUsageFlags.KeyCertSign | X509KeyUsageFlags.CrlSign | X509KeyUsageFlags.DigitalSignature, critical: true));
        request.CertificateExtensions.Add(new X509SubjectKeyIdentifierExtension(request.PublicKey, critical: false));
        var now = DateTimeOffset.UtcNow;
        return request.CreateSelfSigned(now.AddDays(-1), now.AddDays(30));
    }

    private PemPair WriteLeaf(string name, X509Certificate2 issuer, string commonName, bool server)
    {
        using var key = ECDsa.Create(ECCurve.NamedCurves.nistP256);
        var request = new CertificateRequest($"CN={commonName}, O=Guard tests", key, HashAlgorithmName.SHA256);
        request.CertificateExtensions.Add(new X509BasicConstraintsExtension(certificateAuthority: false, hasPathLengthConstraint: false, pathLengthConstraint: 0, critical: true));
        request.CertificateExtensions.Add(new X509KeyUsageExtension(X509KeyUsageFlags.DigitalSignature | X509KeyUsageFlags.KeyAgreement, critical: true));
        request.CertificateExtensions.Add(new X509EnhancedKeyUsageExtension(
            [server ? new Oid("1.3.6.1.5.5.7.3.1", "Server Authentication") : new Oid("1.3.6.1.5.5.7.3.2", "Client Authentication")],
            critical: false));
        request.CertificateExtensions.Add(new X509SubjectKeyIdentifierExtension(request.PublicKey, critical: false));
        request.CertificateExtensions.Add(X509AuthorityKeyIdentifierExtension.CreateFromCertificate(issuer, includeKeyIdentifier: true, includeIssuerAndSerial: false));
        if (server)
        {
            var san = new SubjectAlternativeNameBuilder();
            san.AddIpAddress(IPAddress.Loopback);
            san.AddDnsName("localhost");
            request.CertificateExtensions.Add(san.Build(critical: false));
        }

        var now = DateTimeOffset.UtcNow;
        var serial = RandomNumberGenerator.GetBytes(16);
        serial[0] &= 0x7F; // positive
        using var certificate = request.Create(issuer, now.AddDays(-1), now.AddDays(7), serial);
        return Write(name, certificate, key);
    }

    private PemPair Write(string name, X509Certificate2 certificate, ECDsa key)
    {
        var pair = new PemPair(Path.Combine(Directory, name + ".pem"), Path.Combine(Directory, name + ".key"));
        File.WriteAllText(pair.CertificatePath, certificate.ExportCertificatePem() + "\n");
        File.WriteAllText(pair.KeyPath, key.ExportPkcs8PrivateKeyPem() + "\n");
        return pair;
    }
}

/// <summary>A certificate and its private key as PEM files.</summary>
public sealed record PemPair(string CertificatePath, string KeyPath);
