using ModelShield.Errors;
using ModelShield.Training.Data;

namespace ModelShield.Training.Tests.Data;

[TestClass]
public sealed class IdxFileTests
{
    [TestMethod]
    [DataRow("x.idx")]
    [DataRow("x.idx.gz")]
    public void WriteThenRead_PlainOrGzip_RoundTrips(string name)
    {
        var path = Path.Combine(LabTestData.NewTempFolder(), name);
        var values = Enumerable.Range(0, 2 * 3 * 4).Select(i => (byte)(i * 7)).ToArray();
        IdxFile.Write(path, [2, 3, 4], values);
        var (dims, read) = IdxFile.Read(path);
        CollectionAssert.AreEqual(new[] { 2, 3, 4 }, dims);
        CollectionAssert.AreEqual(values, read);
    }

    [TestMethod]
    public void Read_Truncated_ThrowsMalformedData()
    {
        var path = Path.Combine(LabTestData.NewTempFolder(), "t.idx");
        IdxFile.Write(path, [10, 10], new byte[100]);
        File.WriteAllBytes(path, File.ReadAllBytes(path)[..50]);
        var ex = Assert.ThrowsExactly<ModelShieldException>(() => IdxFile.Read(path));
        Assert.AreEqual(ErrorCodes.MalformedData, ex.Code);
    }

    [TestMethod]
    public void Read_WrongMagic_ThrowsMalformedData()
    {
        var path = Path.Combine(LabTestData.NewTempFolder(), "t.idx");
        File.WriteAllBytes(path, [0, 0, 0x0D, 1, 0, 0, 0, 1, 0, 0, 0, 0]);
        var ex = Assert.ThrowsExactly<ModelShieldException>(() => IdxFile.Read(path));
        Assert.AreEqual(ErrorCodes.MalformedData, ex.Code);
        StringAssert.Contains(ex.Message, "magic");
    }
}
