using System.Diagnostics.CodeAnalysis;
using System.Runtime.CompilerServices;
using System.Runtime.ExceptionServices;
using System.Runtime.InteropServices;
using System.Security.Cryptography;
using Microsoft.Win32.SafeHandles;
using ModelShield.Errors;
using ModelShield.Signing.Hashing;

namespace ModelShield.Signing.Runtime;

/// <summary>
/// Model files copied into native memory and hashed there (one read); the ONNX Runtime
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
                : new Buffer(LargePages.Allocate(file.Length), file.Length);
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
    /// Reads the range into the file's memory, in parallel parts when it is large and <paramref name="spreadOverCores"/>,
    /// and then hashes it there. Reading first on every core puts all bytes in memory soonest (fresh pages cost more to
    /// fault in than to copy into); the guard's session build then runs beside the hashing.
    /// </summary>
    public byte[] Sha256(ModelFile file, long start, long end, bool spreadOverCores)
    {
        if (!_buffers.TryGetValue(file.FullPath, out var buffer) || end > buffer.Length)
        {
            throw new InvalidOperationException($"'{file.Name}' has no memory reserved for bytes {start}-{end}.");
        }

        try
        {
            using var handle = File.OpenHandle(file.FullPath, FileMode.Open, FileAccess.Read, FileShare.Read, FileOptions.SequentialScan);
            var read = ReadInParts(handle, buffer.Pointer, start, end, spreadOverCores ? Environment.ProcessorCount : 1);
            buffer.AddRead(read, this);
            using var hash = IncrementalHash.CreateHash(HashAlgorithmName.SHA256);
            for (var position = start; position < start + read; position += ChunkSize)
            {
                hash.AppendData(new ReadOnlySpan<byte>(buffer.Pointer + position, (int)Math.Min(ChunkSize, start + read - position)));
            }

            // A file that shrank since it was listed hashes short; the digest comparison reports it as changed.
            Interlocked.Add(ref buffer.Hashed, read);
            return hash.GetHashAndReset();
        }
        catch (Exception ex) when (ex is IOException or UnauthorizedAccessException)
        {
            throw new ModelShieldException(ErrorCodes.PathNotFound, $"Cannot read '{file.Name}': {ex.Message}", ex);
        }
    }

    /// <summary>
    /// Reads [<paramref name="start"/>, <paramref name="end"/>) to the same offsets of <paramref name="memory"/>, in up to
    /// <paramref name="cores"/> parts at once, and returns how many bytes from <paramref name="start"/> on arrived without
    /// a gap (fewer if the file shrank).
    /// </summary>
    private static long ReadInParts(SafeFileHandle handle, byte* memory, long start, long end, int cores)
    {
        var parts = (int)Math.Clamp((end - start) / (2L * ChunkSize), 1, cores);
        var partLength = (end - start + parts - 1) / parts;
        var bounds = Enumerable.Range(0, parts).Select(k => (From: start + (k * partLength), To: Math.Min(end, start + ((k + 1) * partLength)))).ToArray();
        var read = new long[parts];
        void ReadPart(int k)
        {
            var (from, to) = bounds[k];
            for (var position = from; position < to;)
            {
                var count = RandomAccess.Read(handle, new Span<byte>(memory + position, (int)Math.Min(ChunkSize, to - position)), position);
                if (count == 0)
                {
                    break;
                }

                position += count;
                read[k] = position - from;
            }
        }

        var tasks = new Task[parts];
        for (var k = 1; k < parts; k++)
        {
            var part = k;
            tasks[k] = Task.Factory.StartNew(() => ReadPart(part), CancellationToken.None, TaskCreationOptions.LongRunning, TaskScheduler.Default);
        }

        try
        {
            ReadPart(0);
            tasks[0] = Task.CompletedTask;
        }
        catch (Exception ex)
        {
            tasks[0] = Task.FromException(ex);
        }

        // Every part is waited for, even after a failure: they write into memory the caller frees on an error.
        try
        {
            Task.WaitAll(tasks);
        }
        catch (AggregateException ex)
        {
            ExceptionDispatchInfo.Capture(ex.InnerExceptions[0]).Throw();
        }

        var total = 0L;
        for (var k = 0; k < parts; k++)
        {
            total += read[k];
            if (read[k] < bounds[k].To - bounds[k].From)
            {
                break;
            }
        }

        return total;
    }

    public void Dispose()
    {
        foreach (var buffer in _buffers.Values.Where(b => b.Array is null))
        {
            LargePages.Free(buffer.Pointer, buffer.Length);
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

        /// <summary>Counts bytes that arrived; the last of all files' bytes completes <see cref="AllRead"/>.</summary>
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
