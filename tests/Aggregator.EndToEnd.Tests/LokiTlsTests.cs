using System.Net;
using System.Security.Cryptography;
using System.Security.Cryptography.X509Certificates;
using Aggregator.Actors.Loki;
using Aggregator.Actors.Pipeline;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.Http;
using Microsoft.Extensions.Logging;

namespace Aggregator.EndToEnd.Tests;

/// <summary>A Loki behind TLS with a private CA: trusted through Aggregator:Loki:CaFile, refused without it.</summary>
public sealed class LokiTlsTests
{
    [Fact(Timeout = 30_000)]
    public async Task A_Loki_certificate_signed_by_the_configured_CA_is_trusted_and_one_that_is_not_is_refused()
    {
        using var ca = CreateCertificate("CN=test-ca", issuer: null, isAuthority: true);
        using var serverCertificate = CreateCertificate("CN=loki", ca, isAuthority: false);
        await using var server = await StartTlsServerAsync(serverCertificate);
        var caFile = Path.GetTempFileName();
        try
        {
            await File.WriteAllTextAsync(caFile, ca.ExportCertificatePem());
            var pushUri = new Uri($"{server.Urls.First()}/loki/api/v1/push");
            var batch = new PushBatch([new LogEntry(new LogStream(new StreamKey("shop", "web-0", "app"), LabelSet.Create([new("app", "web")])), 1, "hello")]);

            using var trusting = new LokiClient(new LokiSettings { PushUri = pushUri, CaFile = caFile });
            using var untrusting = new LokiClient(new LokiSettings { PushUri = pushUri });

            Assert.Equal(ShipResult.Delivered, (await trusting.ShipAsync(batch, CancellationToken.None)).Result);
            var refused = await untrusting.ShipAsync(batch, CancellationToken.None);
            Assert.Equal(ShipResult.Retryable, refused.Result);
            Assert.Equal(0, refused.StatusCode);
        }
        finally
        {
            File.Delete(caFile);
        }
    }

    private static X509Certificate2 CreateCertificate(string subject, X509Certificate2? issuer, bool isAuthority)
    {
        using var key = RSA.Create(2048);
        var request = new CertificateRequest(subject, key, HashAlgorithmName.SHA256, RSASignaturePadding.Pkcs1);
        request.CertificateExtensions.Add(new X509BasicConstraintsExtension(isAuthority, false, 0, true));
        if (isAuthority)
        {
            request.CertificateExtensions.Add(new X509KeyUsageExtension(X509KeyUsageFlags.KeyCertSign, true));
            using var self = request.CreateSelfSigned(DateTimeOffset.UtcNow.AddDays(-1), DateTimeOffset.UtcNow.AddDays(1));
            return X509CertificateLoader.LoadPkcs12(self.Export(X509ContentType.Pkcs12), null);
        }

        var names = new SubjectAlternativeNameBuilder();
        names.AddIpAddress(IPAddress.Loopback);
        request.CertificateExtensions.Add(names.Build());
        using var signed = request.Create(issuer!, DateTimeOffset.UtcNow.AddDays(-1), DateTimeOffset.UtcNow.AddHours(23), [1, 2, 3, 4]);
        using var withKey = signed.CopyWithPrivateKey(key);
        return X509CertificateLoader.LoadPkcs12(withKey.Export(X509ContentType.Pkcs12), null);
    }

    private static async Task<WebApplication> StartTlsServerAsync(X509Certificate2 certificate)
    {
        var builder = WebApplication.CreateSlimBuilder();
        builder.Logging.ClearProviders();
        builder.WebHost.ConfigureKestrel(kestrel => kestrel.Listen(IPAddress.Loopback, 0, listen => listen.UseHttps(certificate)));
        var app = builder.Build();
        app.MapPost("/loki/api/v1/push", () => Results.NoContent());
        await app.StartAsync();
        return app;
    }
}
