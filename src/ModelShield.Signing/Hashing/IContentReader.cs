namespace ModelShield.Signing.Hashing;

/// <summary>Where resource bytes come from: files on disk (streamed), or bytes already held in memory by the guard.</summary>
internal interface IContentReader
{
    /// <summary>
    /// SHA-256 of bytes [<paramref name="start"/>, <paramref name="end"/>) of <paramref name="file"/>. Safe to call from
    /// several threads. <paramref name="spreadOverCores"/> says the range is larger than its share of the cores, so its
    /// reading may use more threads; false when other ranges keep the cores busy.
    /// </summary>
    byte[] Sha256(ModelFile file, long start, long end, bool spreadOverCores);
}
