using System.Security.Cryptography;
using System.Security.Cryptography.X509Certificates;

namespace Messaging.Scheduler.Tests.Infrastructure;

/// <summary>A throwaway certificate authority and a server certificate for <c>localhost</c>, made by the test.</summary>
public static class Certificates
{
    /// <summary>Writes <c>ca.crt</c>, <c>server.crt</c> and <c>server.key</c> (PEM) into <paramref name="folder" />.</summary>
    /// <returns>The authority, to check the server's certificate against.</returns>
    public static X509Certificate2 WriteAuthorityAndServer(string folder)
    {
        var from = DateTimeOffset.UtcNow.AddMinutes(-5);
        var until = from.AddDays(1);
        using var caKey = RSA.Create(2048);
        var caRequest = new CertificateRequest("CN=Messaging test CA", caKey, HashAlgorithmName.SHA256, RSASignaturePadding.Pkcs1);
        caRequest.CertificateExtensions.Add(new X509BasicConstraintsExtension(true, false, 0, true));
        caRequest.CertificateExtensions.Add(new X509KeyUsageExtension(X509KeyUsageFlags.KeyCertSign | X509KeyUsageFlags.CrlSign, true));
        var ca = caRequest.CreateSelfSigned(from, until);

        using var serverKey = RSA.Create(2048);
        var serverRequest = new CertificateRequest("CN=localhost", serverKey, HashAlgorithmName.SHA256, RSASignaturePadding.Pkcs1);
        var names = new SubjectAlternativeNameBuilder();
        names.AddDnsName("localhost");
        names.AddIpAddress(System.Net.IPAddress.Loopback);
        serverRequest.CertificateExtensions.Add(names.Build());
        serverRequest.CertificateExtensions.Add(new X509EnhancedKeyUsageExtension([new Oid("1.3.6.1.5.5.7.3.1")], false));
        using var server = serverRequest.Create(ca, from, until.AddMinutes(-1), [1, 2, 3, 4]);

        File.WriteAllText(Path.Combine(folder, "ca.crt"), ca.ExportCertificatePem());
        File.WriteAllText(Path.Combine(folder, "server.crt"), server.ExportCertificatePem());
        File.WriteAllText(Path.Combine(folder, "server.key"), serverKey.ExportPkcs8PrivateKeyPem());
        return ca;
    }

    /// <summary>Whether <paramref name="certificate" /> chains to <paramref name="authority" /> (and to nothing else).</summary>
    public static bool IssuedBy(X509Certificate? certificate, X509Certificate2 authority)
    {
        if (certificate == null)
            return false;

        using var chain = new X509Chain();
        chain.ChainPolicy.TrustMode = X509ChainTrustMode.CustomRootTrust;
        chain.ChainPolicy.CustomTrustStore.Add(authority);
        chain.ChainPolicy.RevocationMode = X509RevocationMode.NoCheck;
        using var server = new X509Certificate2(certificate);
        return chain.Build(server);
    }
}
