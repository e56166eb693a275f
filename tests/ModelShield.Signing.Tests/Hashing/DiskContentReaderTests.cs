using System.Security.Cryptography;
using ModelShield.Signing.Hashing;

namespace ModelShield.Signing.Tests.Hashing;

[TestClass]
public sealed class DiskContentReaderTests
{
    [TestMethod]
    [DataRow(true)]
    [DataRow(false)]
    public void Sha256_RangeOfSeveralChunks_MatchesPlainSha256WithAndWithoutReadAhead(bool spreadOverCores)
    {
        using var folder = SigningFixtures.NewFolder();
        var bytes = RandomNumberGenerator.GetBytes((2 * OverlappedSha256.ChunkSize) + 4321);
        var file = SigningFixtures.WriteFile(folder, "w.bin", bytes);
        var start = OverlappedSha256.ChunkSize - 5;

        var digest = DiskContentReader.Instance.Sha256(file, start, bytes.Length - 1, spreadOverCores);

        CollectionAssert.AreEqual(SHA256.HashData(bytes.AsSpan(start, bytes.Length - 1 - start)), digest);
    }
}
