using System.Security.Cryptography.X509Certificates;
using ModelShield.Errors;

namespace ModelShield.Signing.Trust;

/// <summary>Builds and checks an X.509 chain against an explicit set of roots only (never the system store).</summary>
internal static class ChainValidator
{
    public const string CodeSigningOid = "1.3.6.1.5.5.7.3.3";
    public const string TimeStampingOid = "1.3.6.1.5.5.7.3.8";

    /// <summary>Null when <paramref name="leaf"/> chains to one of <paramref name="roots"/> at <paramref name="at"/> and is fit for <paramref name="usageOid"/>; else the issue.</summary>
    public static VerificationIssue? Check(
        X509Certificate2 leaf, IEnumerable<X509Certificate2> extra, IReadOnlyList<X509Certificate2> roots,
        DateTimeOffset at, string usageOid, bool allowCaLeaf, string what)
    {
        if (roots.Count == 0)
        {
            return new VerificationIssue(ErrorCodes.ChainUntrusted, $"{what}: the trust policy names no root certificate to chain to.");
        }

        using var chain = new X509Chain();
        chain.ChainPolicy.TrustMode = X509ChainTrustMode.CustomRootTrust;
        chain.ChainPolicy.CustomTrustStore.AddRange(roots.ToArray());
        chain.ChainPolicy.ExtraStore.AddRange(extra.ToArray());
        chain.ChainPolicy.RevocationMode = X509RevocationMode.NoCheck;
        chain.ChainPolicy.VerificationTime = at.UtcDateTime;
        chain.ChainPolicy.VerificationTimeIgnored = false;
        chain.ChainPolicy.ApplicationPolicy.Add(new System.Security.Cryptography.Oid(usageOid));
        chain.ChainPolicy.DisableCertificateDownloads = true;
        if (!chain.Build(leaf))
        {
            var flags = chain.ChainStatus.Aggregate(X509ChainStatusFlags.NoError, (f, s) => f | s.Status);
            var detail = string.Join("; ", chain.ChainStatus.Select(s => s.StatusInformation.Trim()).Where(s => s.Length > 0).Distinct());
            return (flags & X509ChainStatusFlags.NotTimeValid) != 0
                ? new VerificationIssue(ErrorCodes.CertificateExpired, $"{what}: a certificate of the chain is not valid at {at:u} ({detail}).", Actual: at.ToString("u", System.Globalization.CultureInfo.InvariantCulture))
                : new VerificationIssue(ErrorCodes.ChainUntrusted, $"{what}: the chain of '{leaf.Subject}' does not lead to a trusted root or is not valid for this use ({flags}: {detail}).");
        }

        if (!allowCaLeaf && leaf.Extensions.OfType<X509BasicConstraintsExtension>().Any(b => b.CertificateAuthority))
        {
            return new VerificationIssue(ErrorCodes.ChainUntrusted, $"{what}: the signing certificate '{leaf.Subject}' is a CA certificate, which this policy refuses.");
        }

        var usage = leaf.Extensions.OfType<X509KeyUsageExtension>().FirstOrDefault();
        return usage is not null && (usage.KeyUsages & X509KeyUsageFlags.DigitalSignature) == 0
            ? new VerificationIssue(ErrorCodes.ChainUntrusted, $"{what}: the signing certificate '{leaf.Subject}' does not allow digital signatures.")
            : null;
    }
}
