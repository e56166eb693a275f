using System.Security.Cryptography;

namespace ModelShield.Signing.Manifest;

/// <summary>The resources of a model in statement order, and how they were made.</summary>
internal sealed record ModelManifest(Serialization Serialization, IReadOnlyList<ResourceDigest> Resources)
{
    /// <summary>The OMS subject digest: SHA-256 over the raw resource digests concatenated in order.</summary>
    public byte[] SubjectDigest()
    {
        using var hash = IncrementalHash.CreateHash(HashAlgorithmName.SHA256);
        foreach (var resource in Resources)
        {
            hash.AppendData(resource.Digest);
        }

        return hash.GetHashAndReset();
    }
}
