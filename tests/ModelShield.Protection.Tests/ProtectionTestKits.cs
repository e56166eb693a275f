using System.Security.Cryptography;
using ModelShield.Protection.Kits;
using ModelShield.Protection.Watermarks;
using ModelShield.Testing.Files;
using ModelShield.Watermarking.Kits;

namespace ModelShield.Protection.Tests;

/// <summary>Kits and marked models made through the library: a kit under a random raw key, and the shipped MLP marked in closed form.</summary>
internal static class ProtectionTestKits
{
    public static KitAccess NewKit(TempFolder temp)
    {
        var secret = KitSecret.FromRawKey(RandomNumberGenerator.GetBytes(32));
        var kit = new KitAccess(temp.File("owner.mskit"), secret);
        KitFile.Write(kit.Path, OwnerKit.CreateNew(), secret, overwrite: false);
        return kit;
    }

    public static string MarkedMlp(TempFolder temp, KitAccess kit, string name = "marked.onnx") =>
        WeightMarking.Embed(new WeightMarkRequest { ModelPath = RepositoryFiles.Model("mlp"), Kit = kit, OutputPath = temp.File(name), PayloadText = "test release" }).Output;
}
