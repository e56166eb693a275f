using System.Buffers;
using System.Runtime.InteropServices;
using ModelShield.Errors;
using ModelShield.Signing.Hashing;

namespace ModelShield.Signing.Runtime;

/// <summary>
/// Model files copied into native memory as they are hashed (one read, overlapping the hashing); the ONNX Runtime
/// session then uses these same bytes, so nothing can change between the check and the use.
/// </summary>
internal sealed unsafe class MemoryContentReader : IContentReader, IDisposable
{
    private readonly Dictionary<string, Buffer> _buffers = new(StringComparer.Ordinal);

    /// <summary>Reserves memory for <paramref name="files"/> at their listed lengths; the bytes arrive when they are hashed.</summary>
    public static MemoryContentReader Allocate(IReadOnlyList<ModelFile> files)
    {
        var reader = new MemoryContentReader();
        foreach (var file in files)
        {
            reader._buffers[file.FullPath] = new Buffer((byte*)NativeMemory.Alloc((nuint)Math.Max(1, file.Length)), file.Length);
        }

        return reader;
    }

    /// <summary>The bytes held for a file, or false unless the whole file was read and hashed.</summary>
    public bool TryGet(string fullPath, out IntPtr pointer, out long length)
    {
        var found = _buffers.TryGetValue(fullPath, out var buffer) && Interlocked.Read(ref buffer!.Hashed) == buffer.Length;
        (pointer, length) = found ? ((IntPtr)buffer!.Pointer, buffer.Length) : (IntPtr.Zero, 0);
        return found;
    }

    public byte[] Sha256(ModelFile file, long start, long end)
    {
        if (!_buffers.TryGetValue(file.FullPath, out var buffer) || end > buffer.Length)
        {
            throw new InvalidOperationException($"'{file.Name}' has no memory reserved for bytes {start}-{end}.");
        }

        try
        {
            using var handle = File.OpenHandle(file.FullPath, FileMode.Open, FileAccess.Read, FileShare.Read, FileOptions.Asynchronous | FileOptions.SequentialScan);
            var digest = OverlappedSha256.Hash(handle, start, end, (position, length) => new NativeChunk(buffer.Pointer + position, length).Memory, out var read);
            Interlocked.Add(ref buffer.Hashed, read);
            return digest;
        }
        catch (Exception ex) when (ex is IOException or UnauthorizedAccessException)
        {
            throw new ModelShieldException(ErrorCodes.PathNotFound, $"Cannot read '{file.Name}': {ex.Message}", ex);
        }
    }

    public void Dispose()
    {
        foreach (var buffer in _buffers.Values)
        {
            NativeMemory.Free(buffer.Pointer);
        }

        _buffers.Clear();
    }

    /// <summary>
    /// One file's memory; <see cref="Hashed"/> counts the bytes read and hashed so far (ranges never overlap), so that
    /// a file is handed out only when every byte of it was checked.
    /// </summary>
    private sealed class Buffer(byte* pointer, long length)
    {
        public readonly byte* Pointer = pointer;
        public readonly long Length = length;
        public long Hashed;
    }

    /// <summary>A chunk of native memory as <see cref="Memory{T}"/>, so that it can be the target of an asynchronous read.</summary>
    private sealed class NativeChunk(byte* pointer, int length) : MemoryManager<byte>
    {
        public override Span<byte> GetSpan() => new(pointer, length);

        public override MemoryHandle Pin(int elementIndex = 0) => new(pointer + elementIndex);

        public override void Unpin()
        {
        }

        protected override void Dispose(bool disposing)
        {
        }
    }
}
