using ModelShield.Api.Tests.Support;
using ModelShield.Api.Uploads;
using ModelShield.Errors;
using ModelShield.Testing.Files;
using ModelShield.Testing.Fuzzing;

namespace ModelShield.Api.Tests.Uploads;

[TestClass]
public sealed class TarUnpackerTests
{
    [TestMethod]
    [DataRow("model.onnx", "model.onnx/inner.bin")]
    [DataRow("model.onnx/inner.bin", "model.onnx")]
    public void Unpack_EntriesWhereAFileAndAFolderShareAName_ThrowsRequestMalformed(string first, string second)
    {
        using var folder = new TempFolder();
        File.WriteAllBytes(folder.File("m.tar"), Tars.WithFiles((first, [1]), (second, [2])));

        var destination = Directory.CreateDirectory(Path.Combine(folder.Path, "out")).FullName;

        var ex = Assert.ThrowsExactly<ModelShieldException>(() => TarUnpacker.Unpack(folder.File("m.tar"), destination, 1 << 20));

        Assert.AreEqual(ErrorCodes.RequestMalformed, ex.Code);
    }

    // Tars.WithFile writes a PAX extended header at 0 (its records in the next block), then the file's header at 1024.
    [TestMethod]
    [DataRow(0 + 156, "S", ErrorCodes.ArchiveEntryUnsafe)] // the PAX header made a sparse file, which TarReader does not read at all
    [DataRow(0 + 124, "77777777777", ErrorCodes.RequestMalformed)] // the PAX header's size: 8 GiB of attributes
    public void Unpack_HeaderTarReaderRefuses_ThrowsUploadCode(int offset, string value, string code)
    {
        using var folder = new TempFolder();
        var tar = Tars.WithFile("model.onnx", new byte[100]);
        System.Text.Encoding.ASCII.GetBytes(value).CopyTo(tar, offset);
        TarMutations.FixChecksum(tar, offset / 512 * 512);
        File.WriteAllBytes(folder.File("m.tar"), tar);
        var destination = Directory.CreateDirectory(Path.Combine(folder.Path, "out")).FullName;

        var ex = Assert.ThrowsExactly<ModelShieldException>(() => TarUnpacker.Unpack(folder.File("m.tar"), destination, 1 << 20));

        Assert.AreEqual(code, ex.Code, ex.Message);
    }
}
