using System.Security.Cryptography;
using ModelShield.Errors;

namespace ModelShield.Signing.Tests;

[TestClass]
public sealed class SigningKeysTests
{
    [TestMethod]
    public void LoadPublicKey_CurveThePlatformDoesNotKnow_ThrowsKeyUnusable()
    {
        using var folder = new TempFolder();
        File.WriteAllText(folder.File("key.pem"), PemEncoding.WriteString("PUBLIC KEY", UnknownCurveKey()));

        var ex = Assert.ThrowsExactly<ModelShieldException>(() => SigningKeys.LoadPublicKey(folder.File("key.pem")));

        Assert.AreEqual(ErrorCodes.KeyUnusable, ex.Code);
    }

    /// <summary>A P-384 SubjectPublicKeyInfo whose curve OID (1.3.132.0.34) is changed to 1.3.132.0.127, which no platform knows.</summary>
    internal static byte[] UnknownCurveKey()
    {
        using var key = SigningFixtures.NewKey("P-384");
        var der = key.ExportSubjectPublicKeyInfo();
        var oid = der.AsSpan().IndexOf((byte[])[0x2B, 0x81, 0x04, 0x00, 0x22]);
        der[oid + 4] = 0x7F;
        return der;
    }
}
