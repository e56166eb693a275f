using Microsoft.ML.OnnxRuntime;
using ModelShield.Errors;
using ModelShield.Signing.Hashing;
using ModelShield.Signing.Runtime;

namespace ModelShield.Signing.Tests.Runtime;

[TestClass]
public sealed class ModelGuardTests
{
    [TestMethod]
    public void Open_SignedModelWithExternalData_RunsFromVerifiedBytes()
    {
        using var model = SigningFixtures.NewFolder();
        using var key = SigningFixtures.NewKey();
        SigningFixtures.WriteExternalDataModel(model.Path, [10, 20, 30, 40]);
        ModelSigner.Sign(new SignRequest { ModelPath = model.Path, PrivateKey = key });

        using var guarded = ModelGuard.Open(model.File("model.onnx"), TrustPolicy.ForPublicKeys([key]));
        Assert.IsTrue(guarded.Verification.Verified);
        CollectionAssert.AreEqual(new float[] { 11, 22, 33, 44 }, AddOneTwoThreeFour(guarded));
    }

    [TestMethod]
    public void Open_ExternalDataChangedAfterSigning_ThrowsWithFullResult()
    {
        using var model = SigningFixtures.NewFolder();
        using var key = SigningFixtures.NewKey();
        SigningFixtures.WriteExternalDataModel(model.Path, [10, 20, 30, 40]);
        ModelSigner.Sign(new SignRequest { ModelPath = model.Path, PrivateKey = key });
        var bytes = File.ReadAllBytes(model.File("weights.data"));
        bytes[3] ^= 0x40;
        File.WriteAllBytes(model.File("weights.data"), bytes);

        var ex = Assert.ThrowsExactly<ModelVerificationException>(() => ModelGuard.Open(model.File("model.onnx"), TrustPolicy.ForPublicKeys([key])));
        Assert.AreEqual(ErrorCodes.ModelNotVerified, ex.Code);
        var issue = ex.Result.Issues.Single();
        Assert.AreEqual(ErrorCodes.FileChanged, issue.Code);
        Assert.AreEqual("weights.data", issue.Path);
    }

    [TestMethod]
    public void Open_ShardsOfDataLargerThanAReadChunk_RunsFromVerifiedBytes()
    {
        using var model = SigningFixtures.NewFolder();
        using var key = SigningFixtures.NewKey();
        var w = LargeWeights();
        SigningFixtures.WriteExternalDataModel(model.Path, w);
        ModelSigner.Sign(new SignRequest { ModelPath = model.Path, PrivateKey = key, Shards = true, ShardSize = 5 << 20 });

        using var guarded = ModelGuard.Open(model.File("model.onnx"), TrustPolicy.ForPublicKeys([key]));

        var y = Run(guarded, new float[w.Length]);
        CollectionAssert.AreEqual(w, y);
    }

    [TestMethod]
    public void Open_LastBytesOfLargeDataChanged_ThrowsAndKeepsNoSession()
    {
        // The .onnx verifies first, so a session is being built from the data while its last bytes are hashed.
        using var model = SigningFixtures.NewFolder();
        using var key = SigningFixtures.NewKey();
        SigningFixtures.WriteExternalDataModel(model.Path, LargeWeights());
        ModelSigner.Sign(new SignRequest { ModelPath = model.Path, PrivateKey = key });
        using (var data = File.OpenWrite(model.File("weights.data")))
        {
            data.Seek(-1, SeekOrigin.End);
            data.WriteByte(0x7f);
        }

        var ex = Assert.ThrowsExactly<ModelVerificationException>(() => ModelGuard.Open(model.File("model.onnx"), TrustPolicy.ForPublicKeys([key])));

        Assert.AreEqual(ErrorCodes.FileChanged, ex.Result.Issues.Single().Code);
    }

    [TestMethod]
    public void Build_DataFileReplacedOnDiskAfterHashing_RunsFromTheHashedBytes()
    {
        using var model = SigningFixtures.NewFolder();
        SigningFixtures.WriteExternalDataModel(model.Path, [10, 20, 30, 40]);
        var memory = HashAll(model.Path);

        // What is on disk now differs from what was hashed; the session must not see it.
        SigningFixtures.WriteExternalDataModel(model.Path, [-1, -1, -1, -1]);
        File.Delete(model.File("model.onnx"));
        using var guarded = CreateSession(model, memory);

        CollectionAssert.AreEqual(new float[] { 11, 22, 33, 44 }, AddOneTwoThreeFour(guarded));
    }

    [TestMethod]
    public void Build_UnalignedTensorAndFilesGoneFromDisk_RunsFromTheHashedBytes()
    {
        // An offset that is not a multiple of the element size takes the copying way (in-memory files), which needs nothing on disk.
        using var model = SigningFixtures.NewFolder();
        SigningFixtures.WriteExternalDataModel(model.Path, [10, 20, 30, 40], offset: 2);
        var memory = HashAll(model.Path);

        File.Delete(model.File("weights.data"));
        File.Delete(model.File("model.onnx"));
        using var guarded = CreateSession(model, memory);

        CollectionAssert.AreEqual(new float[] { 11, 22, 33, 44 }, AddOneTwoThreeFour(guarded));
    }

    [TestMethod]
    public void Build_AlignedTensorFileGoneFromDisk_FailsClosed()
    {
        // The fast way hands ONNX Runtime the hashed bytes but lets it check that the named file still exists.
        using var model = SigningFixtures.NewFolder();
        SigningFixtures.WriteExternalDataModel(model.Path, [10, 20, 30, 40]);
        var memory = HashAll(model.Path);

        File.Delete(model.File("weights.data"));
        var error = Assert.ThrowsExactly<ModelShieldException>(() => CreateSession(model, memory));

        Assert.AreEqual(ErrorCodes.InferenceFailed, error.Code);
        memory.Dispose();
    }

    [TestMethod]
    public void Open_ConfigureSession_AppliedToFreshOptionsEachTime()
    {
        using var model = SigningFixtures.NewFolder();
        using var key = SigningFixtures.NewKey();
        SigningFixtures.WriteExternalDataModel(model.Path, [10, 20, 30, 40]);
        ModelSigner.Sign(new SignRequest { ModelPath = model.Path, PrivateKey = key });
        var configured = new List<SessionOptions>();
        var options = new GuardOptions { ConfigureSession = o => { o.IntraOpNumThreads = 1; configured.Add(o); } };

        using var first = ModelGuard.Open(model.File("model.onnx"), TrustPolicy.ForPublicKeys([key]), options);
        using var second = ModelGuard.Open(model.File("model.onnx"), TrustPolicy.ForPublicKeys([key]), options);

        Assert.HasCount(2, configured);
        Assert.AreNotSame(configured[0], configured[1]);
        CollectionAssert.AreEqual(new float[] { 11, 22, 33, 44 }, AddOneTwoThreeFour(second));
    }

    private static MemoryContentReader HashAll(string folder)
    {
        var (files, _) = ModelTree.List(folder, new IgnoreSet([]));
        var memory = MemoryContentReader.Allocate(files);
        foreach (var file in files)
        {
            memory.Sha256(file, 0, file.Length, spreadOverCores: true);
        }

        return memory;
    }

    private static GuardedSession CreateSession(TempFolder model, MemoryContentReader memory)
    {
        var built = ModelGuard.Build(model.File("model.onnx"), memory, null);
        return new GuardedSession(built.Session, new VerificationResult { Issues = [], ModelPath = model.Path, SignaturePath = model.File("model.sig") }, [.. built.Backing, memory]);
    }

    private static float[] AddOneTwoThreeFour(GuardedSession guarded) => Run(guarded, [1, 2, 3, 4]);

    private static float[] Run(GuardedSession guarded, float[] x)
    {
        using var input = OrtValue.CreateTensorValueFromMemory(x, [x.Length]);
        using var outputs = guarded.Session.Run(new RunOptions(), ["X"], [input], ["Y"]);
        return outputs[0].GetTensorDataAsSpan<float>().ToArray();
    }

    // 12 MB: several read chunks, so the data is read on a thread of its own ahead of the hashing.
    private static float[] LargeWeights() => Enumerable.Range(0, 3 << 20).Select(i => (float)(i % 977)).ToArray();

    [TestMethod]
    public void Open_UnsignedModel_Throws()
    {
        using var model = SigningFixtures.NewFolder();
        using var key = SigningFixtures.NewKey();
        SigningFixtures.WriteExternalDataModel(model.Path, [1, 2, 3, 4]);
        var ex = Assert.ThrowsExactly<ModelShieldException>(() => ModelGuard.Open(model.File("model.onnx"), TrustPolicy.ForPublicKeys([key])));
        Assert.AreEqual(ErrorCodes.PathNotFound, ex.Code);
    }
}
