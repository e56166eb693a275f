using System.Buffers;
using System.Security.Cryptography;
using ModelShield.Errors;

namespace ModelShield.Signing.Hashing;

/// <summary>
/// Hashes file ranges straight from disk with two small buffers: while one chunk is hashed the next is
/// already being read, so reading and hashing overlap and memory stays constant whatever the file size.
/// </summary>
internal sealed class DiskContentReader : IContentReader
{
    private const int ChunkSize = 1 << 20;

    public static DiskContentReader Instance { get; } = new();

    public byte[] Sha256(ModelFile file, long start, long end)
    {
        var current = ArrayPool<byte>.Shared.Rent(ChunkSize);
        var ahead = ArrayPool<byte>.Shared.Rent(ChunkSize);
        try
        {
            using var handle = File.OpenHandle(file.FullPath, FileMode.Open, FileAccess.Read, FileShare.Read, FileOptions.Asynchronous | FileOptions.SequentialScan);
            using var hash = IncrementalHash.CreateHash(HashAlgorithmName.SHA256);
            var position = start;
            var count = RandomAccess.Read(handle, current.AsSpan(0, NextLength(position, end)), position);
            while (count > 0)
            {
                position += count;
                var next = position < end
                    ? RandomAccess.ReadAsync(handle, ahead.AsMemory(0, NextLength(position, end)), position)
                    : ValueTask.FromResult(0);
                hash.AppendData(current, 0, count);
                count = next.AsTask().GetAwaiter().GetResult();
                (current, ahead) = (ahead, current);
            }

            // A file that shrank since it was listed hashes short; the digest comparison reports it as changed.
            return hash.GetHashAndReset();
        }
        catch (Exception ex) when (ex is IOException or UnauthorizedAccessException)
        {
            throw new ModelShieldException(ErrorCodes.PathNotFound, $"Cannot read '{file.Name}': {ex.Message}", ex);
        }
        finally
        {
            ArrayPool<byte>.Shared.Return(current);
            ArrayPool<byte>.Shared.Return(ahead);
        }
    }

    private static int NextLength(long position, long end) => (int)Math.Min(ChunkSize, end - position);
}
