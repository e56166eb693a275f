using System.IO.MemoryMappedFiles;
using System.Security.Cryptography;
using ModelShield.Errors;

namespace ModelShield.Signing.Hashing;

/// <summary>
/// Hashes file ranges straight out of the page cache through read-only maps of one window at a time, so no byte is
/// copied and memory stays bounded by one window per core. The signer uses it for ranges hashed side by side, one per
/// core; a range that spreads over the cores goes through <see cref="DiskContentReader"/>, whose read-ahead copies on
/// an otherwise idle core.
/// </summary>
/// <remarks>
/// A file truncated by another process while it is mapped raises SIGBUS and ends the process. The signer reads the
/// owner's own release, so it takes that risk for the speed (2 GB in 256 MB shards on 2 cores, in a C test: 0.64 s
/// against 0.72 s copying); the verifier, which reads files of unknown origin, never maps them.
/// </remarks>
internal sealed unsafe class MappedContentReader : IContentReader
{
    private const int WindowSize = 16 << 20;

    public static MappedContentReader Instance { get; } = new();

    public byte[] Sha256(ModelFile file, long start, long end, bool spreadOverCores)
    {
        if (spreadOverCores || end == start)
        {
            return DiskContentReader.Instance.Sha256(file, start, end, spreadOverCores);
        }

        try
        {
            using var handle = File.OpenHandle(file.FullPath, FileMode.Open, FileAccess.Read, FileShare.Read);
            if (RandomAccess.GetLength(handle) < end)
            {
                // Shrank since it was listed: read what is there, never map past the end.
                return DiskContentReader.Instance.Sha256(file, start, end, spreadOverCores);
            }

            using var map = MemoryMappedFile.CreateFromFile(handle, null, 0, MemoryMappedFileAccess.Read, HandleInheritability.None, leaveOpen: true);
            using var hash = IncrementalHash.CreateHash(HashAlgorithmName.SHA256);
            for (var position = start; position < end; position += WindowSize)
            {
                var length = (int)Math.Min(WindowSize, end - position);
                using var view = map.CreateViewAccessor(position, length, MemoryMappedFileAccess.Read);
                var pointer = (byte*)null;
                view.SafeMemoryMappedViewHandle.AcquirePointer(ref pointer);
                try
                {
                    hash.AppendData(new ReadOnlySpan<byte>(pointer + view.PointerOffset, length));
                }
                finally
                {
                    view.SafeMemoryMappedViewHandle.ReleasePointer();
                }
            }

            return hash.GetHashAndReset();
        }
        catch (Exception ex) when (ex is IOException or UnauthorizedAccessException)
        {
            throw new ModelShieldException(ErrorCodes.PathNotFound, $"Cannot read '{file.Name}': {ex.Message}", ex);
        }
    }
}
