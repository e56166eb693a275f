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
        File.WriteAllBytes(folder.File("w.bin"), bytes);
        var file = new ModelFile("w.bin", folder.File("w.bin"), bytes.Length);
        var start = OverlappedSha256.ChunkSize - 5;

        var digest = DiskContentReader.Instance.Sha256(file, start, bytes.Length - 1, spreadOverCores);

        CollectionAssert.AreEqual(SHA256.HashData(bytes.AsSpan(start, bytes.Length - 1 - start)), digest);
    }
}
