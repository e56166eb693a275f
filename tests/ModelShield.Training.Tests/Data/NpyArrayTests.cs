using System.Text;
using ModelShield.Errors;
using ModelShield.Training.Data;

namespace ModelShield.Training.Tests.Data;

[TestClass]
public sealed class NpyArrayTests
{
    [TestMethod]
    public void WriteThenRead_Floats_RoundTripsShapeAndValues()
    {
        var path = Path.Combine(LabTestData.NewTempFolder(), "a.npy");
        var values = new[] { 1.5f, -2f, 0f, 3.25f, 1e-7f, float.MaxValue };
        NpyArray.FromSingles(values, 2, 3).Write(path);
        var read = NpyArray.Read(path);
        Assert.AreEqual("<f4", read.Descriptor);
        CollectionAssert.AreEqual(new[] { 2, 3 }, read.Shape);
        CollectionAssert.AreEqual(values, read.ToSingles());
    }

    [TestMethod]
    public void Write_Header_IsPaddedTo64BytesAndEndsWithNewline()
    {
        var path = Path.Combine(LabTestData.NewTempFolder(), "a.npy");
        NpyArray.FromBytes([1, 2, 3], 3).Write(path);
        var bytes = File.ReadAllBytes(path);
        var headerLength = bytes[8] | (bytes[9] << 8);
        Assert.AreEqual(0, (10 + headerLength) % 64);
        Assert.AreEqual((byte)'\n', bytes[10 + headerLength - 1]);
        StringAssert.Contains(Encoding.ASCII.GetString(bytes, 10, headerLength), "'shape': (3,)");
        CollectionAssert.AreEqual(new byte[] { 1, 2, 3 }, bytes[(10 + headerLength)..]);
    }

    [TestMethod]
    public void Parse_NumpyWrittenInt64Version2_Reads()
    {
        // Bytes as numpy writes np.array([[1, -2], [3, 4]], dtype='<i8') with format version 2.0.
        var dict = "{'descr': '<i8', 'fortran_order': False, 'shape': (2, 2), }";
        var header = dict + new string(' ', 128 - 12 - dict.Length - 1) + "\n";
        var bytes = new List<byte> { 0x93, (byte)'N', (byte)'U', (byte)'M', (byte)'P', (byte)'Y', 2, 0 };
        bytes.AddRange(BitConverter.GetBytes((uint)header.Length));
        bytes.AddRange(Encoding.ASCII.GetBytes(header));
        foreach (var v in new long[] { 1, -2, 3, 4 })
        {
            bytes.AddRange(BitConverter.GetBytes(v));
        }

        var array = NpyArray.Parse([.. bytes], "test");
        CollectionAssert.AreEqual(new[] { 2, 2 }, array.Shape);
        CollectionAssert.AreEqual(new[] { 1f, -2f, 3f, 4f }, array.ToSingles());
    }

    [TestMethod]
    public void Parse_FortranOrder_ThrowsMalformedData()
    {
        var dict = "{'descr': '<f4', 'fortran_order': True, 'shape': (1,), }\n";
        var bytes = new List<byte> { 0x93, (byte)'N', (byte)'U', (byte)'M', (byte)'P', (byte)'Y', 1, 0, (byte)dict.Length, 0 };
        bytes.AddRange(Encoding.ASCII.GetBytes(dict));
        bytes.AddRange(BitConverter.GetBytes(1f));
        var ex = Assert.ThrowsExactly<ModelShieldException>(() => NpyArray.Parse([.. bytes], "test"));
        Assert.AreEqual(ErrorCodes.MalformedData, ex.Code);
    }

    [TestMethod]
    [DataRow("(4294967296,)")]
    [DataRow("(65536, 65536)")]
    [DataRow("(65536, 65536, 1)")]
    public void Parse_ShapeBeyondOrWrappingInt32WithNoData_ThrowsMalformedData(string shape)
    {
        var dict = $"{{'descr': '|u1', 'fortran_order': False, 'shape': {shape}, }}\n";
        var bytes = new List<byte> { 0x93, (byte)'N', (byte)'U', (byte)'M', (byte)'P', (byte)'Y', 1, 0, (byte)dict.Length, 0 };
        bytes.AddRange(Encoding.ASCII.GetBytes(dict));

        var ex = Assert.ThrowsExactly<ModelShieldException>(() => NpyArray.Parse([.. bytes], "test"));

        Assert.AreEqual(ErrorCodes.MalformedData, ex.Code);
    }

    [TestMethod]
    [DataRow(12)]
    [DataRow(11)]
    public void Parse_Version2HeaderLengthPastTheFile_ThrowsMalformedData(int length)
    {
        byte[] bytes = [0x93, (byte)'N', (byte)'U', (byte)'M', (byte)'P', (byte)'Y', 2, 0, 0xFF, 0xFF, 0xFF, 0xFF];

        var ex = Assert.ThrowsExactly<ModelShieldException>(() => NpyArray.Parse(bytes[..length], "test"));

        Assert.AreEqual(ErrorCodes.MalformedData, ex.Code);
        StringAssert.Contains(ex.Message, "truncated");
    }

    [TestMethod]
    public void Parse_NotNpy_ThrowsMalformedData()
    {
        var ex = Assert.ThrowsExactly<ModelShieldException>(() => NpyArray.Parse(Encoding.ASCII.GetBytes("hello, world"), "test"));
        Assert.AreEqual(ErrorCodes.MalformedData, ex.Code);
    }
}
