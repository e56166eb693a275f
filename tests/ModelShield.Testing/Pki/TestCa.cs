using System.Security.Cryptography;
using System.Security.Cryptography.X509Certificates;

namespace ModelShield.Testing.Pki;

/// <summary>A throw-away certificate authority made at run time: a root, an intermediate, and leaves for code signing and timestamping.</summary>
public sealed class TestCa : IDisposable
{
    private const string CodeSigningOid = "1.3.6.1.5.5.7.3.3";
    private const string TimeStampingOid = "1.3.6.1.5.5.7.3.8";

    private TestCa(X509Certificate2 root, X509Certificate2 intermediate)
    {
        Root = root;
        Intermediate = intermediate;
    }

    /// <summary>The self-signed root (with its private key).</summary>
    public X509Certificate2 Root { get; }

    /// <summary>The intermediate CA under the root (with its private key).</summary>
    public X509Certificate2 Intermediate { get; }

    public static TestCa Create(string name = "ModelShield Test")
    {
        var now = DateTimeOffset.UtcNow;
        using var rootKey = ECDsa.Create(ECCurve.NamedCurves.nistP256);
        var rootRequest = new CertificateRequest($"CN={name} Root", rootKey, HashAlgorithmName.SHA256);
        rootRequest.CertificateExtensions.Add(new X509BasicConstraintsExtension(true, false, 0, true));
        rootRequest.CertificateExtensions.Add(new X509KeyUsageExtension(X509KeyUsageFlags.KeyCertSign | X509KeyUsageFlags.CrlSign, true));
        rootRequest.CertificateExtensions.Add(new X509SubjectKeyIdentifierExtension(rootRequest.PublicKey, false));
        var root = rootRequest.CreateSelfSigned(now.AddDays(-2), now.AddYears(5));

        using var intKey = ECDsa.Create(ECCurve.NamedCurves.nistP256);
        var intRequest = new CertificateRequest($"CN={name} Intermediate", intKey, HashAlgorithmName.SHA256);
        intRequest.CertificateExtensions.Add(new X509BasicConstraintsExtension(true, true, 0, true));
        intRequest.CertificateExtensions.Add(new X509KeyUsageExtension(X509KeyUsageFlags.KeyCertSign | X509KeyUsageFlags.CrlSign, true));
        intRequest.CertificateExtensions.Add(new X509SubjectKeyIdentifierExtension(intRequest.PublicKey, false));
        intRequest.CertificateExtensions.Add(X509AuthorityKeyIdentifierExtension.CreateFromCertificate(root, true, false));
        using var intPublic = intRequest.Create(root, now.AddDays(-1), now.AddYears(4), Serial());
        return new TestCa(root, intPublic.CopyWithPrivateKey(intKey));
    }

    /// <summary>A code-signing leaf issued by the intermediate, with its private key, valid in [notBefore, notAfter].</summary>
    public X509Certificate2 IssueCodeSigning(string subject, ECDsa key, DateTimeOffset? notBefore = null, DateTimeOffset? notAfter = null)
    {
        ArgumentNullException.ThrowIfNull(key);
        var request = new CertificateRequest(subject, key, HashAlgorithmName.SHA256);
        request.CertificateExtensions.Add(new X509BasicConstraintsExtension(false, false, 0, true));
        request.CertificateExtensions.Add(new X509KeyUsageExtension(X509KeyUsageFlags.DigitalSignature, true));
        request.CertificateExtensions.Add(new X509EnhancedKeyUsageExtension([new Oid(CodeSigningOid)], false));
        var san = new SubjectAlternativeNameBuilder();
        san.AddEmailAddress("release@modelshield.test");
        request.CertificateExtensions.Add(san.Build());
        request.CertificateExtensions.Add(X509AuthorityKeyIdentifierExtension.CreateFromCertificate(Intermediate, true, false));
        var now = DateTimeOffset.UtcNow;
        using var issued = request.Create(Intermediate, notBefore ?? now.AddHours(-1), notAfter ?? now.AddYears(1), Serial());
        return issued.CopyWithPrivateKey(key);
    }

    /// <summary>A timestamp-authority certificate issued by the root (critical timeStamping EKU), with its private key.</summary>
    public X509Certificate2 IssueTimestamping(string subject = "CN=ModelShield Test TSA")
    {
        using var key = ECDsa.Create(ECCurve.NamedCurves.nistP256);
        var request = new CertificateRequest(subject, key, HashAlgorithmName.SHA256);
        request.CertificateExtensions.Add(new X509BasicConstraintsExtension(false, false, 0, true));
        request.CertificateExtensions.Add(new X509KeyUsageExtension(X509KeyUsageFlags.DigitalSignature, true));
        request.CertificateExtensions.Add(new X509EnhancedKeyUsageExtension([new Oid(TimeStampingOid)], true));
        request.CertificateExtensions.Add(X509AuthorityKeyIdentifierExtension.CreateFromCertificate(Root, true, false));
        var now = DateTimeOffset.UtcNow;
        using var issued = request.Create(Root, now.AddHours(-1), now.AddYears(1), Serial());
        return issued.CopyWithPrivateKey(key);
    }

    /// <summary>Writes certificates as PEM.</summary>
    public static void WritePem(string path, params X509Certificate2[] certificates) =>
        File.WriteAllText(path, string.Concat(certificates.Select(c => c.ExportCertificatePem() + "\n")));

    public void Dispose()
    {
        Root.Dispose();
        Intermediate.Dispose();
    }

    private static byte[] Serial() => RandomNumberGenerator.GetBytes(12);
}
