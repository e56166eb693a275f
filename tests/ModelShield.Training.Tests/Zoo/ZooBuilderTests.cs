using ModelShield.Errors;
using ModelShield.Onnx.Files;
using ModelShield.Training.Zoo;

namespace ModelShield.Training.Tests.Zoo;

/// <summary>The zoo's caching, resuming, lineage and given owners / negatives, on a tiny profile (the quick profile itself is built end to end by the CLI tests).</summary>
[TestClass]
public sealed class ZooBuilderTests
{
    private static readonly ZooProfile Tiny = new(
        "tiny",
        [new TrainRecipe("mlp", 1, 1, "owner", 512)],
        [new TrainRecipe("mlp", 2, 1, "attacker", 256), new TrainRecipe("mlp", 3, 1, "owner", 256), new TrainRecipe("mlp", 4, 1, "owner", 256)],
        ["prune:0.5", "permute", "finetune:epochs=1+noise:0.1"]);

    [TestMethod]
    public void Run_TinyProfile_ManifestHasRolesLineageAndAccuracy()
    {
        var folder = LabTestData.NewTempFolder();
        var builder = ZooBuilder.Run(folder, Tiny, LabTestData.SampleFolder, [], null, null);
        var manifest = ZooManifest.Read(folder)!;
        Assert.AreEqual(7, builder.Built);
        Assert.AreEqual(1, manifest.Models.Count(m => m.Role == "owner" && m.Lineage == "owner"));
        Assert.AreEqual(3, manifest.Models.Count(m => m.Role == "negative" && m.Lineage == "independent"));
        var positives = manifest.Models.Where(m => m.Role == "positive").ToList();
        CollectionAssert.AreEquivalent(
            new[] { "prune:fraction=0.5", "permute", "finetune:batch=64,epochs=1,layers=all,lr=0.0001+noise:sigma=0.1" },
            positives.Select(p => p.Lineage).ToArray());
        var owner = manifest.Models.Single(m => m.Role == "owner");
        Assert.IsTrue(positives.All(p => p.Owner == owner.Id));
        Assert.AreEqual(0, positives.Single(p => p.Lineage == "permute").AccuracyChange!.Value, 1e-9, "Permutation keeps the function.");
        Assert.IsTrue(manifest.Models.All(m => m.TestAccuracy > 0.3 && File.Exists(Path.Combine(folder, m.Path))));
        Assert.AreEqual(2000, manifest.Data.TestImages);
    }

    [TestMethod]
    public void Run_Twice_ReusesEverythingAndRebuildsOnlyWhatChanged()
    {
        var folder = LabTestData.NewTempFolder();
        ZooBuilder.Run(folder, Tiny, LabTestData.SampleFolder, [], null, null);
        var before = ZooManifest.Read(folder)!.Models.ToDictionary(m => m.Id, m => m.Sha256);

        var again = ZooBuilder.Run(folder, Tiny, LabTestData.SampleFolder, [], null, null);
        Assert.AreEqual(0, again.Built);
        Assert.AreEqual(7, again.Reused);

        // A tampered file and a deleted one are rebuilt; nothing else is.
        var manifest = ZooManifest.Read(folder)!;
        var negative = manifest.Models.First(m => m.Role == "negative");
        File.AppendAllText(Path.Combine(folder, negative.Path), "x");
        File.Delete(Path.Combine(folder, manifest.Models.First(m => m.Role == "positive").Path));
        var third = ZooBuilder.Run(folder, Tiny, LabTestData.SampleFolder, [], null, null);
        Assert.AreEqual(2, third.Built);
        Assert.AreEqual(before[negative.Id], ZooManifest.Read(folder)!.Models.Single(m => m.Id == negative.Id).Sha256, "Same recipe and seed, same model.");
    }

    [TestMethod]
    public void Run_GivenOwnerAndNegatives_AttacksTheGivenOwnerAndTrainsOnlyTheRest()
    {
        var first = LabTestData.NewTempFolder();
        ZooBuilder.Run(first, Tiny, LabTestData.SampleFolder, [], null, null);
        var manifest = ZooManifest.Read(first)!;
        var ownerPath = Path.Combine(first, manifest.Models.Single(m => m.Role == "owner").Path);
        var negatives = LabTestData.NewTempFolder();
        foreach (var negative in manifest.Models.Where(m => m.Role == "negative").Take(2))
        {
            File.Copy(Path.Combine(first, negative.Path), Path.Combine(negatives, Path.GetFileName(negative.Path)));
        }

        var second = LabTestData.NewTempFolder();
        var builder = ZooBuilder.Run(second, Tiny, LabTestData.SampleFolder, [ownerPath], negatives, null);
        var result = ZooManifest.Read(second)!;
        Assert.AreEqual(3, result.Models.Count(m => m.Role == "negative"));
        Assert.AreEqual(2, result.Models.Count(m => m.Role == "negative" && m.Recipe.StartsWith("given", StringComparison.Ordinal)));
        var owner = result.Models.Single(m => m.Role == "owner");
        StringAssert.StartsWith(owner.Id, "owner-given-");
        Assert.IsTrue(result.Models.Where(m => m.Role == "positive").All(m => m.Owner == owner.Id));
        Assert.AreEqual(1 + 3 + 3, builder.Built, "Given models are copied into the zoo; one negative is trained.");
        Assert.IsNotNull(OnnxModel.Load(Path.Combine(second, owner.Path)));
    }

    [TestMethod]
    public void Read_CorruptManifest_ThrowsMalformedZoo()
    {
        var folder = LabTestData.NewTempFolder();
        File.WriteAllText(Path.Combine(folder, ZooManifest.FileName), "{ not json");
        var ex = Assert.ThrowsExactly<ModelShieldException>(() => ZooBuilder.Run(folder, Tiny, LabTestData.SampleFolder, [], null, null));
        Assert.AreEqual(ErrorCodes.MalformedZoo, ex.Code);
    }

    [TestMethod]
    public void Profiles_HaveAtLeast30NegativesAndEveryAttack()
    {
        foreach (var profile in new[] { ZooProfile.Quick, ZooProfile.Full, ZooProfile.FullMlp })
        {
            Assert.IsGreaterThanOrEqualTo(30, profile.Negatives.Count, profile.Name);
            Assert.AreEqual(profile.Negatives.Count, profile.Negatives.Select(n => n.Text).Distinct().Count(), "Every negative is a different model.");
            var attacks = profile.Attacks.SelectMany(a => ModelShield.Training.Attacks.AttackRegistry.ParseChain(a)).Select(s => s.Attack.Id).ToHashSet();
            CollectionAssert.AreEquivalent(ModelShield.Training.Attacks.AttackRegistry.All.Select(a => a.Id).ToArray(), attacks.ToArray(), profile.Name);
        }
    }
}
