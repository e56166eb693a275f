using System.Security.Cryptography;
using System.Runtime.InteropServices;
using ModelShield.Signing.Hashing;
using ModelShield.Signing.Runtime;

namespace ModelShield.Signing.Tests.Runtime;

[TestClass]
public sealed class MemoryContentReaderTests
{
    [TestMethod]
    public void Sha256_RangesOfSeveralChunks_DigestsMatchAndMemoryHoldsTheFile()
    {
        using var folder = SigningFixtures.NewFolder();
        var bytes = RandomNumberGenerator.GetBytes((3 * OverlappedSha256.ChunkSize) + 12345);
        var file = SigningFixtures.WriteFile(folder, "big.data", bytes);
        using var memory = MemoryContentReader.Allocate([file]);
        var split = OverlappedSha256.ChunkSize + 7;

        var first = memory.Sha256(file, 0, split, spreadOverCores: true);
        Assert.IsFalse(memory.AllRead.IsCompleted);
        var second = memory.Sha256(file, split, file.Length, spreadOverCores: false);

        CollectionAssert.AreEqual(SHA256.HashData(bytes.AsSpan(0, split)), first);
        CollectionAssert.AreEqual(SHA256.HashData(bytes.AsSpan(split)), second);
        Assert.IsTrue(memory.AllRead.IsCompletedSuccessfully);
        Assert.IsTrue(memory.AllHashed);
        Assert.IsTrue(memory.TryGet(file.FullPath, out var pointer, out var length));
        var held = new byte[length];
        Marshal.Copy(pointer, held, 0, held.Length);
        CollectionAssert.AreEqual(bytes, held);
    }

    [TestMethod]
    public void Sha256_FileShrankSinceListed_HashesWhatIsThereAndHandsNothingOut()
    {
        using var folder = SigningFixtures.NewFolder();
        var bytes = RandomNumberGenerator.GetBytes(OverlappedSha256.ChunkSize + 100);
        var file = SigningFixtures.WriteFile(folder, "w.data", bytes);
        using var memory = MemoryContentReader.Allocate([file]);
        File.WriteAllBytes(file.FullPath, bytes[..1000]);

        var digest = memory.Sha256(file, 0, file.Length, spreadOverCores: true);

        CollectionAssert.AreEqual(SHA256.HashData(bytes.AsSpan(0, 1000)), digest);
        Assert.IsFalse(memory.AllHashed);
        Assert.IsFalse(memory.TryGet(file.FullPath, out _, out _));
        Assert.IsFalse(memory.AllRead.IsCompleted);
    }

    [TestMethod]
    public void StopWaiting_FileNeverRead_CancelsAllRead()
    {
        using var folder = SigningFixtures.NewFolder();
        var file = SigningFixtures.WriteFile(folder, "w.data", [1, 2, 3]);
        using var memory = MemoryContentReader.Allocate([file]);

        memory.StopWaiting();

        Assert.IsTrue(memory.AllRead.IsCanceled);
    }

    [TestMethod]
    public void Sha256_UnreadableFile_ThrowsPathNotFound()
    {
        using var folder = SigningFixtures.NewFolder();
        var file = SigningFixtures.WriteFile(folder, "w.data", [1, 2, 3]);
        using var memory = MemoryContentReader.Allocate([file]);
        File.Delete(file.FullPath);

        var error = Assert.ThrowsExactly<Errors.ModelShieldException>(() => memory.Sha256(file, 0, file.Length, spreadOverCores: true));

        Assert.AreEqual(Errors.ErrorCodes.PathNotFound, error.Code);
    }
}
