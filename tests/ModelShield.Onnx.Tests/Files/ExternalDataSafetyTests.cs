using ModelShield.Errors;
using ModelShield.Onnx.Files;
using ModelShield.Onnx.Schema;
using ModelShield.Onnx.Tensors;
using ModelShield.Testing.Files;
using ModelShield.Testing.Models;

namespace ModelShield.Onnx.Tests.Files;

/// <summary>Hostile external-data locations (compare CVE-2022-25882, CVE-2024-27318) are refused before any byte is read.</summary>
[TestClass]
public sealed class ExternalDataSafetyTests
{
    [TestMethod]
    [DataRow("../weights.bin", "'..'")]
    [DataRow("sub/../../weights.bin", "'..'")]
    [DataRow("/etc/passwd", "absolute")]
    [DataRow("C:/Windows/win.ini", "absolute")]
    [DataRow("..\\weights.bin", "backslash")]
    public void ResolveExternal_UnsafeLocation_RefusedNamingTensorAndLocation(string location, string reason)
    {
        using var temp = new TempFolder();
        var model = ModelPointingAt(temp, location);

        var ex = Assert.ThrowsExactly<ModelShieldException>(model.ValidateExternalData);

        Assert.AreEqual(ErrorCodes.UnsafeExternalDataPath, ex.Code);
        StringAssert.Contains(ex.Message, "fc1.weight");
        StringAssert.Contains(ex.Message, location);
        StringAssert.Contains(ex.Message, reason);
    }

    [TestMethod]
    public void ResolveExternal_SymlinkLeadingOutOfFolder_Refused()
    {
        using var outside = new TempFolder();
        using var temp = new TempFolder();
        File.WriteAllBytes(outside.File("secret.bin"), new byte[4096]);
        File.CreateSymbolicLink(Path.Combine(temp.Path, "weights.bin"), outside.File("secret.bin"));
        var model = ModelPointingAt(temp, "weights.bin");

        var ex = Assert.ThrowsExactly<ModelShieldException>(() => TensorData.Read<float>(model, model.GetInitializer("fc1.weight")));

        Assert.AreEqual(ErrorCodes.UnsafeExternalDataPath, ex.Code);
        StringAssert.Contains(ex.Message, "symbolic link");
    }

    [TestMethod]
    public void ResolveExternal_SymlinkedFolderLeadingOut_Refused()
    {
        using var outside = new TempFolder();
        using var temp = new TempFolder();
        File.WriteAllBytes(outside.File("weights.bin"), new byte[4096]);
        Directory.CreateSymbolicLink(Path.Combine(temp.Path, "data"), outside.Path);
        var model = ModelPointingAt(temp, "data/weights.bin");

        var ex = Assert.ThrowsExactly<ModelShieldException>(model.ValidateExternalData);

        Assert.AreEqual(ErrorCodes.UnsafeExternalDataPath, ex.Code);
    }

    [TestMethod]
    public void ResolveExternal_SymlinkInsideFolder_Accepted()
    {
        using var temp = new TempFolder();
        File.WriteAllBytes(temp.File("real.bin"), new byte[8 * 16 * 4]);
        File.CreateSymbolicLink(Path.Combine(temp.Path, "weights.bin"), temp.File("real.bin"));
        var model = ModelPointingAt(temp, "weights.bin");

        Assert.HasCount(128, TensorData.Read<float>(model, model.GetInitializer("fc1.weight")));
    }

    [TestMethod]
    public void ResolveExternal_OffsetPastEndOfFile_RefusedWithRange()
    {
        using var temp = new TempFolder();
        File.WriteAllBytes(temp.File("weights.bin"), new byte[100]);
        var model = ModelPointingAt(temp, "weights.bin", offset: 4096);

        var ex = Assert.ThrowsExactly<ModelShieldException>(model.ValidateExternalData);

        Assert.AreEqual(ErrorCodes.ExternalDataOutOfRange, ex.Code);
        StringAssert.Contains(ex.Message, "4096");
        StringAssert.Contains(ex.Message, "fc1.weight");
    }

    [TestMethod]
    public void ResolveExternal_LengthPastEndOfFile_Refused()
    {
        using var temp = new TempFolder();
        File.WriteAllBytes(temp.File("weights.bin"), new byte[100]);
        var model = ModelPointingAt(temp, "weights.bin", offset: 0, length: 512);

        var ex = Assert.ThrowsExactly<ModelShieldException>(model.ValidateExternalData);

        Assert.AreEqual(ErrorCodes.ExternalDataOutOfRange, ex.Code);
    }

    [TestMethod]
    public void ResolveExternal_NegativeOffset_Refused()
    {
        using var temp = new TempFolder();
        File.WriteAllBytes(temp.File("weights.bin"), new byte[1000]);
        var model = ModelPointingAt(temp, "weights.bin", offset: -8);

        var ex = Assert.ThrowsExactly<ModelShieldException>(model.ValidateExternalData);

        Assert.AreEqual(ErrorCodes.ExternalDataOutOfRange, ex.Code);
    }

    [TestMethod]
    public void ResolveExternal_MissingFile_RefusedAsMissing()
    {
        using var temp = new TempFolder();
        var model = ModelPointingAt(temp, "nothing-here.bin");

        var ex = Assert.ThrowsExactly<ModelShieldException>(model.ValidateExternalData);

        Assert.AreEqual(ErrorCodes.ExternalDataMissing, ex.Code);
    }

    [TestMethod]
    public void ResolveExternal_ModelFromStreamWithoutFolder_Refused()
    {
        var model = TinyModels.Mlp();
        TinyModels.PointAtExternal(model.Graph.Initializer[0], "weights.bin", 0, null);
        var loaded = OnnxModel.Load(new MemoryStream(Google.Protobuf.MessageExtensions.ToByteArray(model)), baseDirectory: null);

        var ex = Assert.ThrowsExactly<ModelShieldException>(loaded.ValidateExternalData);

        Assert.AreEqual(ErrorCodes.ExternalDataWithoutFolder, ex.Code);
    }

    [TestMethod]
    public void Read_DataShorterThanShape_ThrowsTensorDataMismatch()
    {
        using var temp = new TempFolder();
        File.WriteAllBytes(temp.File("weights.bin"), new byte[64]);
        var model = ModelPointingAt(temp, "weights.bin", offset: 0, length: 64);

        var ex = Assert.ThrowsExactly<ModelShieldException>(() => TensorData.Read<float>(model, model.GetInitializer("fc1.weight")));

        Assert.AreEqual(ErrorCodes.TensorDataMismatch, ex.Code);
    }

    private static OnnxModel ModelPointingAt(TempFolder folder, string location, long offset = 0, long? length = null)
    {
        var proto = TinyModels.Mlp();
        TinyModels.PointAtExternal(proto.Graph.Initializer.First(t => t.Name == "fc1.weight"), location, offset, length);
        return OnnxModel.Load(TinyModels.Write(proto, folder.File("model.onnx")));
    }
}
