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
        using var input = OrtValue.CreateTensorValueFromMemory(new float[] { 1, 2, 3, 4 }, [4]);
        using var outputs = guarded.Session.Run(new RunOptions(), ["X"], [input], ["Y"]);
        CollectionAssert.AreEqual(new float[] { 11, 22, 33, 44 }, outputs[0].GetTensorDataAsSpan<float>().ToArray());
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
    public void CreateSession_DataFileGoneFromDiskAfterHashing_RunsFromTheHashedBytes()
    {
        using var model = SigningFixtures.NewFolder();
        SigningFixtures.WriteExternalDataModel(model.Path, [10, 20, 30, 40]);
        var (files, _) = ModelTree.List(model.Path, new IgnoreSet([]));
        var memory = MemoryContentReader.Allocate(files);
        foreach (var file in files)
        {
            memory.Sha256(file, 0, file.Length);
        }

        // Nothing left on disk to read: the session can only come from the bytes already hashed.
        File.Delete(model.File("weights.data"));
        File.Delete(model.File("model.onnx"));
        using var guarded = ModelGuard.CreateSession(model.File("model.onnx"), memory, null, what => new InvalidOperationException(what),
            new VerificationResult { Issues = [], ModelPath = model.Path, SignaturePath = model.File("model.sig") });
        using var input = OrtValue.CreateTensorValueFromMemory(new float[] { 1, 2, 3, 4 }, [4]);
        using var outputs = guarded.Session.Run(new RunOptions(), ["X"], [input], ["Y"]);
        CollectionAssert.AreEqual(new float[] { 11, 22, 33, 44 }, outputs[0].GetTensorDataAsSpan<float>().ToArray());
    }

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
