using System.Runtime.InteropServices;
using System.Security.Cryptography;
using ModelShield.Errors;
using ModelShield.Signing.Hashing;

namespace ModelShield.Signing.Runtime;

/// <summary>
/// Model files read once into native memory; hashing and the ONNX Runtime session then use these same bytes,
/// so nothing can change between the check and the use.
/// </summary>
internal sealed unsafe class MemoryContentReader : IContentReader, IDisposable
{
    private readonly Dictionary<string, (IntPtr Pointer, long Length)> _buffers = new(StringComparer.Ordinal);

    public static MemoryContentReader Load(IReadOnlyList<ModelFile> files)
    {
        var reader = new MemoryContentReader();
        try
        {
            foreach (var file in files)
            {
                reader._buffers[file.FullPath] = ReadAll(file);
            }

            return reader;
        }
        catch
        {
            reader.Dispose();
            throw;
        }
    }

    /// <summary>The bytes held for a file, or false when the file was not loaded.</summary>
    public bool TryGet(string fullPath, out IntPtr pointer, out long length)
    {
        var found = _buffers.TryGetValue(fullPath, out var buffer);
        (pointer, length) = buffer;
        return found;
    }

    public byte[] Sha256(ModelFile file, long start, long end)
    {
        if (!TryGet(file.FullPath, out var pointer, out var length))
        {
            throw new InvalidOperationException($"'{file.Name}' was not loaded before hashing.");
        }

        using var hash = IncrementalHash.CreateHash(HashAlgorithmName.SHA256);
        for (var at = start; at < Math.Min(end, length); at += int.MaxValue)
        {
            var count = (int)Math.Min(int.MaxValue, Math.Min(end, length) - at);
            hash.AppendData(new ReadOnlySpan<byte>((byte*)pointer + at, count));
        }

        return hash.GetHashAndReset();
    }

    public void Dispose()
    {
        foreach (var (pointer, _) in _buffers.Values)
        {
            NativeMemory.Free((void*)pointer);
        }

        _buffers.Clear();
    }

    private static (IntPtr, long) ReadAll(ModelFile file)
    {
        var pointer = (byte*)NativeMemory.Alloc((nuint)Math.Max(1, file.Length));
        try
        {
            using var handle = File.OpenHandle(file.FullPath, FileMode.Open, FileAccess.Read, FileShare.Read, FileOptions.SequentialScan);
            var total = 0L;
            while (total < file.Length)
            {
                var read = RandomAccess.Read(handle, new Span<byte>(pointer + total, (int)Math.Min(1 << 30, file.Length - total)), total);
                if (read == 0)
                {
                    break; // Shrunk since listed: the short content hashes differently and fails verification.
                }

                total += read;
            }

            return ((IntPtr)pointer, total);
        }
        catch (Exception ex) when (ex is IOException or UnauthorizedAccessException)
        {
            NativeMemory.Free(pointer);
            throw new ModelShieldException(ErrorCodes.PathNotFound, $"Cannot read '{file.Name}': {ex.Message}", ex);
        }
    }
}
