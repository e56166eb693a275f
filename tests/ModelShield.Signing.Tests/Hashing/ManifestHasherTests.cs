using System.Collections.Concurrent;
using ModelShield.Signing.Hashing;
using ModelShield.Signing.Manifest;

namespace ModelShield.Signing.Tests.Hashing;

[TestClass]
public sealed class ManifestHasherTests
{
    [TestMethod]
    public void Hash_FileHashedGiven_ToldOnceForEachFileWithAllOfItsShards()
    {
        using var model = SigningFixtures.NewModelFolder();
        var (files, _) = ModelTree.List(model.Path, new IgnoreSet([]));
        var told = new ConcurrentDictionary<string, IReadOnlyList<ResourceDigest>>();

        var all = ManifestHasher.Hash(files, new Serialization(Serialization.Shards, Serialization.Sha256, false, [], 1000), DiskContentReader.Instance, fileHashed: (file, found) =>
            Assert.IsTrue(told.TryAdd(file.Name, found), $"'{file.Name}' was reported twice."));

        Assert.HasCount(files.Count, told);
        var weights = told["weights.bin"];
        Assert.HasCount(5, weights);
        CollectionAssert.AreEqual(all.Where(r => r.Name.StartsWith("weights.bin:", StringComparison.Ordinal)).ToList(), weights.ToList());
    }
}
