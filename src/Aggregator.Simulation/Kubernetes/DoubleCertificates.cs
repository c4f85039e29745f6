using System.Net;
using System.Security.Cryptography;
using System.Security.Cryptography.X509Certificates;

namespace Aggregator.Simulation.Kubernetes;

/// <summary>A certificate authority of the double's own, and the serving certificate for 127.0.0.1 and localhost it signed.</summary>
/// <remarks>A real cluster's API server is served the same way: by a cluster CA that the kubeconfig names.</remarks>
internal sealed class DoubleCertificates : IDisposable
{
    private DoubleCertificates(X509Certificate2 authority, X509Certificate2 server)
    {
        Authority = authority;
        Server = server;
    }

    /// <summary>The CA, without its private key once the server's certificate is signed.</summary>
    public X509Certificate2 Authority { get; }

    /// <summary>The serving certificate, with its private key.</summary>
    public X509Certificate2 Server { get; }

    /// <summary>The CA certificate as PEM, for a kubeconfig's <c>certificate-authority-data</c>.</summary>
    public string AuthorityPem => Authority.ExportCertificatePem();

    public static DoubleCertificates Create()
    {
        var now = DateTimeOffset.UtcNow;
        using var authorityKey = ECDsa.Create(ECCurve.NamedCurves.nistP256);
        var authorityRequest = new CertificateRequest("CN=kubernetes-double-ca", authorityKey, HashAlgorithmName.SHA256);
        authorityRequest.CertificateExtensions.Add(new X509BasicConstraintsExtension(true, false, 0, true));
        authorityRequest.CertificateExtensions.Add(new X509KeyUsageExtension(X509KeyUsageFlags.KeyCertSign, true));
        using var authority = authorityRequest.CreateSelfSigned(now.AddDays(-1), now.AddDays(30));

        using var serverKey = ECDsa.Create(ECCurve.NamedCurves.nistP256);
        var serverRequest = new CertificateRequest("CN=kube-apiserver", serverKey, HashAlgorithmName.SHA256);
        serverRequest.CertificateExtensions.Add(new X509BasicConstraintsExtension(false, false, 0, true));
        serverRequest.CertificateExtensions.Add(new X509EnhancedKeyUsageExtension([new Oid("1.3.6.1.5.5.7.3.1")], false));
        var names = new SubjectAlternativeNameBuilder();
        names.AddIpAddress(IPAddress.Loopback);
        names.AddDnsName("localhost");
        serverRequest.CertificateExtensions.Add(names.Build());
        using var signed = serverRequest.Create(authority, now.AddDays(-1), now.AddDays(29), RandomNumberGenerator.GetBytes(16));
        using var withKey = signed.CopyWithPrivateKey(serverKey);

        // Through PKCS#12 and back: the TLS stack wants a key it can load, not the ephemeral one created here.
        return new DoubleCertificates(
            X509CertificateLoader.LoadCertificate(authority.RawData),
            X509CertificateLoader.LoadPkcs12(withKey.Export(X509ContentType.Pkcs12), null));
    }

    public void Dispose()
    {
        Authority.Dispose();
        Server.Dispose();
    }
}
