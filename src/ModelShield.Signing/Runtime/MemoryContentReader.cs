using System.Buffers;
using System.Diagnostics.CodeAnalysis;
using System.Runtime.CompilerServices;
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
            reader._buffers[file.FullPath] = IsModel(file)
                ? new Buffer(GC.AllocateUninitializedArray<byte>((int)file.Length, pinned: true))
                : new Buffer((byte*)NativeMemory.Alloc((nuint)Math.Max(1, file.Length)), file.Length);
        }

        return reader;
    }

    /// <summary>The bytes held for a file, or false unless the whole file was read and hashed.</summary>
    /// <summary>
    /// A verified .onnx file's bytes as the managed array they were read into, for ONNX Runtime's session constructor,
    /// which takes only arrays (so the model is never copied); false if the file is not held as one or not fully hashed.
    /// </summary>
    public bool TryGetArray(string fullPath, [NotNullWhen(true)] out byte[]? bytes)
    {
        var found = _buffers.TryGetValue(fullPath, out var buffer) && buffer.Array is not null && Interlocked.Read(ref buffer.Hashed) == buffer.Length;
        bytes = found ? buffer!.Array : null;
        return found;
    }

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
        foreach (var buffer in _buffers.Values.Where(b => b.Array is null))
        {
            NativeMemory.Free(buffer.Pointer);
        }

        _buffers.Clear();
    }

    // Model files up to the array limit go into pinned managed arrays (the session constructor's input); everything
    // else, external data of any size included, into native memory.
    private static bool IsModel(ModelFile file) =>
        file.FullPath.EndsWith(".onnx", StringComparison.OrdinalIgnoreCase) && file.Length <= Array.MaxLength;

    /// <summary>
    /// One file's memory; <see cref="Hashed"/> counts the bytes read and hashed so far (ranges never overlap), so that
    /// a file is handed out only when every byte of it was checked.
    /// </summary>
    private sealed class Buffer
    {
        public readonly byte* Pointer;
        public readonly long Length;
        public readonly byte[]? Array;
        public long Hashed;

        public Buffer(byte* pointer, long length)
        {
            Pointer = pointer;
            Length = length;
        }

        // A pinned array never moves, so its address stays valid for as long as the array lives (as long as this reader).
        public Buffer(byte[] pinned)
        {
            Array = pinned;
            Pointer = (byte*)Unsafe.AsPointer(ref MemoryMarshal.GetArrayDataReference(pinned));
            Length = pinned.Length;
        }
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
