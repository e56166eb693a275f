using System.Security.Cryptography;
using System.Security.Cryptography.X509Certificates;

namespace ModelShield.Api.KeyStore;

/// <summary>A signing key taken from the key store for one operation, with its certificate and chain when it has them.</summary>
internal sealed class SigningMaterial(ECDsa key, X509Certificate2? certificate, IReadOnlyList<X509Certificate2> chain) : IDisposable
{
    public ECDsa Key { get; } = key;

    public X509Certificate2? Certificate { get; } = certificate;

    public IReadOnlyList<X509Certificate2> Chain { get; } = chain;

    public void Dispose()
    {
        Key.Dispose();
        Certificate?.Dispose();
        foreach (var c in Chain)
        {
            c.Dispose();
        }
    }
}
