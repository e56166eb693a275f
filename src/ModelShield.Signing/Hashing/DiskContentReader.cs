using System.Buffers;
using ModelShield.Errors;

namespace ModelShield.Signing.Hashing;

/// <summary>Hashes file ranges straight from disk through two rotating buffers, so memory stays constant whatever the file size.</summary>
internal sealed class DiskContentReader : IContentReader
{
    public static DiskContentReader Instance { get; } = new();

    public byte[] Sha256(ModelFile file, long start, long end, bool spreadOverCores)
    {
        var buffers = new[] { ArrayPool<byte>.Shared.Rent(OverlappedSha256.ChunkSize), ArrayPool<byte>.Shared.Rent(OverlappedSha256.ChunkSize) };
        var turn = 0;
        try
        {
            using var handle = File.OpenHandle(file.FullPath, FileMode.Open, FileAccess.Read, FileShare.Read, FileOptions.Asynchronous | FileOptions.SequentialScan);
            return OverlappedSha256.Hash(handle, start, end, spreadOverCores, (_, length) => buffers[turn++ % 2].AsMemory(0, length), out _);
        }
        catch (Exception ex) when (ex is IOException or UnauthorizedAccessException)
        {
            throw new ModelShieldException(ErrorCodes.PathNotFound, $"Cannot read '{file.Name}': {ex.Message}", ex);
        }
        finally
        {
            ArrayPool<byte>.Shared.Return(buffers[0]);
            ArrayPool<byte>.Shared.Return(buffers[1]);
        }
    }
}
