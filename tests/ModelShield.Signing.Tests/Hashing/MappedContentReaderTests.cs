using System.Security.Cryptography;
using ModelShield.Signing.Hashing;

namespace ModelShield.Signing.Tests.Hashing;

[TestClass]
public sealed class MappedContentReaderTests
{
    [TestMethod]
    [DataRow(0, 0)]
    [DataRow(5, 5)]
    [DataRow(3, 37 << 20)]
    [DataRow((16 << 20) - 1, (32 << 20) + 9)]
    public void Sha256_AnyRange_MatchesPlainSha256(int start, int end)
    {
        using var folder = SigningFixtures.NewFolder();
        var bytes = RandomNumberGenerator.GetBytes((37 << 20) + 100);
        var file = SigningFixtures.WriteFile(folder, "w.bin", bytes);

        var digest = MappedContentReader.Instance.Sha256(file, start, end, spreadOverCores: false);

        CollectionAssert.AreEqual(SHA256.HashData(bytes.AsSpan(start, end - start)), digest);
    }

    [TestMethod]
    public void Sha256_FileShrankSinceListed_HashesWhatIsThere()
    {
        using var folder = SigningFixtures.NewFolder();
        var bytes = RandomNumberGenerator.GetBytes(1 << 20);
        var file = SigningFixtures.WriteFile(folder, "w.bin", bytes) with { Length = (1 << 20) + 4096 };

        var digest = MappedContentReader.Instance.Sha256(file, 0, file.Length, spreadOverCores: false);

        CollectionAssert.AreEqual(SHA256.HashData(bytes), digest);
    }
}
