namespace ModelShield.Signing.Manifest;

/// <summary>One signed resource: a file, or in shards mode a byte range of a file named <c>path:start:end</c>.</summary>
internal sealed record ResourceDigest(string Name, string Algorithm, byte[] Digest)
{
    public string DigestHex => Convert.ToHexStringLower(Digest);
}
