using System.Collections.Concurrent;

namespace ModelShield.Signing.Tests.Verification;

[TestClass]
public sealed class ModelFilesCheckTests
{
    [TestMethod]
    [DataRow(false)]
    [DataRow(true)]
    public void Run_FileVerifiedGiven_ToldOfMatchingFilesOnly(bool shards)
    {
        using var model = SigningFixtures.NewModelFolder();
        using var key = SigningFixtures.NewKey();
        ModelSigner.Sign(new SignRequest { ModelPath = model.Path, PrivateKey = key, Shards = shards, ShardSize = 1000 });
        File.AppendAllText(model.File("config.json"), " ");
        var told = new ConcurrentBag<string>();

        var result = ModelVerifier.Verify(new VerifyRequest { ModelPath = model.Path, Policy = TrustPolicy.ForPublicKeys([key]) }, null, told.Add);

        Assert.IsFalse(result.Verified);
        CollectionAssert.AreEquivalent(new[] { model.File("weights.bin"), model.File("tokenizer/vocab.txt") }, told.ToArray());
    }
}
