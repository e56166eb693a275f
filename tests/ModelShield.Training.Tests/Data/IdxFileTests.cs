using System.IO.Compression;
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
    [DataRow("claim.idx")]
    [DataRow("claim.idx.gz")]
    public void Read_HeaderClaimingTwoBillionValues_ThrowsTruncatedWithoutAllocatingThem(string name)
    {
        var path = Path.Combine(LabTestData.NewTempFolder(), name);
        byte[] bytes = [0, 0, 0x08, 1, 0x7F, 0xFF, 0xFF, 0x00, .. new byte[10]]; // one dim of 2^31 - 256, then 10 values
        using (var file = File.Create(path))
        using (var stream = name.EndsWith(".gz", StringComparison.Ordinal) ? new GZipStream(file, CompressionLevel.Fastest) : (Stream)file)
        {
            stream.Write(bytes);
        }

        var before = GC.GetAllocatedBytesForCurrentThread();
        var ex = Assert.ThrowsExactly<ModelShieldException>(() => IdxFile.Read(path));

        Assert.AreEqual(ErrorCodes.MalformedData, ex.Code);
        StringAssert.Contains(ex.Message, "truncated");
        Assert.IsLessThan(16L << 20, GC.GetAllocatedBytesForCurrentThread() - before, "the 2 GB the header claims are never allocated");
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
