using System.Diagnostics.CodeAnalysis;
using System.Runtime.CompilerServices;
using System.Runtime.InteropServices;
using ModelShield.Errors;
using System.Security.Cryptography;
using ModelShield.Signing.Hashing;

namespace ModelShield.Signing.Runtime;

/// <summary>
/// Model files copied into native memory as they are hashed (one read, running ahead of the hashing); the ONNX Runtime
/// session then uses these same bytes, so nothing can change between the check and the use.
/// </summary>
internal sealed unsafe class MemoryContentReader : IContentReader, IDisposable
{
    private const int ChunkSize = OverlappedSha256.ChunkSize;

    private readonly Dictionary<string, Buffer> _buffers = new(StringComparer.Ordinal);
    private readonly TaskCompletionSource _allRead = new(TaskCreationOptions.RunContinuationsAsynchronously);
    private int _filesUnread;

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

        reader._filesUnread = reader._buffers.Values.Count(b => b.Length > 0);
        if (reader._filesUnread == 0)
        {
            reader._allRead.TrySetResult();
        }

        return reader;
    }

    /// <summary>
    /// Completes once every file's bytes are all in memory, hashed or not; cancelled by <see cref="StopWaiting"/>. The guard
    /// starts building its session here while the hashing finishes, and keeps the session only if verification passes.
    /// </summary>
    public Task AllRead => _allRead.Task;

    /// <summary>True once every byte of every file was read and hashed.</summary>
    public bool AllHashed => _buffers.Values.All(b => Interlocked.Read(ref b.Hashed) == b.Length);

    /// <summary>Releases whoever waits on <see cref="AllRead"/> when some file will never be read in full (a failed verification).</summary>
    public void StopWaiting() => _allRead.TrySetCanceled();

    /// <summary>
    /// A .onnx file's bytes as the managed array they were read into, for ONNX Runtime's session constructor, which takes
    /// only arrays (so the model is never copied); false if the file is not held as one or not read in full.
    /// </summary>
    public bool TryGetArray(string fullPath, [NotNullWhen(true)] out byte[]? bytes)
    {
        var found = _buffers.TryGetValue(fullPath, out var buffer) && buffer.Array is not null && Interlocked.Read(ref buffer.Read) == buffer.Length;
        bytes = found ? buffer!.Array : null;
        return found;
    }

    /// <summary>The memory holding a file, or false unless the whole file was read.</summary>
    public bool TryGet(string fullPath, out IntPtr pointer, out long length)
    {
        var found = _buffers.TryGetValue(fullPath, out var buffer) && Interlocked.Read(ref buffer!.Read) == buffer.Length;
        (pointer, length) = found ? ((IntPtr)buffer!.Pointer, buffer.Length) : (IntPtr.Zero, 0);
        return found;
    }

    /// <summary>
    /// Reads the range into the file's memory on a thread of its own while this one hashes what has arrived: the read
    /// never waits for the hash, so all bytes are in memory about as soon as a plain read would have them there.
    /// </summary>
    public byte[] Sha256(ModelFile file, long start, long end)
    {
        if (!_buffers.TryGetValue(file.FullPath, out var buffer) || end > buffer.Length)
        {
            throw new InvalidOperationException($"'{file.Name}' has no memory reserved for bytes {start}-{end}.");
        }

        try
        {
            using var handle = File.OpenHandle(file.FullPath, FileMode.Open, FileAccess.Read, FileShare.Read, FileOptions.SequentialScan);
            using var arrived = new SemaphoreSlim(0);
            var readTo = start;
            var finished = false;
            void ReadAll()
            {
                try
                {
                    while (readTo < end)
                    {
                        var count = RandomAccess.Read(handle, new Span<byte>(buffer.Pointer + readTo, (int)Math.Min(ChunkSize, end - readTo)), readTo);
                        if (count == 0)
                        {
                            break;
                        }

                        Volatile.Write(ref readTo, readTo + count);
                        buffer.AddRead(count, this);
                        arrived.Release();
                    }
                }
                finally
                {
                    Volatile.Write(ref finished, true);
                    arrived.Release();
                }
            }

            // A range of one chunk gains nothing from a thread of its own.
            var reading = Task.CompletedTask;
            if (end - start <= ChunkSize)
            {
                ReadAll();
            }
            else
            {
                reading = Task.Factory.StartNew(ReadAll, CancellationToken.None, TaskCreationOptions.LongRunning, TaskScheduler.Default);
            }

            using var hash = IncrementalHash.CreateHash(HashAlgorithmName.SHA256);
            var hashedTo = start;
            bool done;
            do
            {
                arrived.Wait();

                // Read in this order: once finished is seen, readTo is final.
                done = Volatile.Read(ref finished);
                var upTo = Volatile.Read(ref readTo);
                for (; hashedTo < upTo; hashedTo += ChunkSize)
                {
                    hash.AppendData(new ReadOnlySpan<byte>(buffer.Pointer + hashedTo, (int)Math.Min(ChunkSize, upTo - hashedTo)));
                }

                hashedTo = upTo;
            }
            while (!done);

            reading.GetAwaiter().GetResult();

            // A file that shrank since it was listed hashes short; the digest comparison reports it as changed.
            Interlocked.Add(ref buffer.Hashed, hashedTo - start);
            return hash.GetHashAndReset();
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
    /// One file's memory; <see cref="Read"/> and <see cref="Hashed"/> count the bytes read and hashed so far (ranges never
    /// overlap), so that a file is handed out only when every byte of it is there.
    /// </summary>
    private sealed class Buffer
    {
        public readonly byte* Pointer;
        public readonly long Length;
        public readonly byte[]? Array;
        public long Hashed;
        public long Read;

        public Buffer(byte* pointer, long length)
        {
            Pointer = pointer;
            Length = length;
        }

        public void AddRead(long count, MemoryContentReader owner)
        {
            if (Interlocked.Add(ref Read, count) == Length && Interlocked.Decrement(ref owner._filesUnread) == 0)
            {
                owner._allRead.TrySetResult();
            }
        }

        // A pinned array never moves, so its address stays valid for as long as the array lives (as long as this reader).
        public Buffer(byte[] pinned)
        {
            Array = pinned;
            Pointer = (byte*)Unsafe.AsPointer(ref MemoryMarshal.GetArrayDataReference(pinned));
            Length = pinned.Length;
        }
    }
}
