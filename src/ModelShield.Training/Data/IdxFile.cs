using System.Buffers.Binary;
using System.IO.Compression;
using ModelShield.Errors;

namespace ModelShield.Training.Data;

/// <summary>
/// The IDX format of (Fashion-)MNIST: a big-endian magic (two zero bytes, an element-type byte, the
/// number of dimensions), the dimensions as big-endian int32, then the elements. Only unsigned-byte
/// elements (type 0x08) occur in Fashion-MNIST and only those are read. Files ending in .gz are
/// decompressed on the fly.
/// </summary>
internal static class IdxFile
{
    private const byte UnsignedByte = 0x08;
    private const int InitialBuffer = 1 << 20;

    /// <summary>Reads an unsigned-byte IDX file: its dimensions and its elements in row-major order.</summary>
    public static (int[] Dimensions, byte[] Values) Read(string path)
    {
        try
        {
            using var file = File.OpenRead(path);
            using var stream = path.EndsWith(".gz", StringComparison.OrdinalIgnoreCase)
                ? new GZipStream(file, CompressionMode.Decompress)
                : (Stream)file;
            return Read(stream, path);
        }
        catch (Exception ex) when (ex is IOException or InvalidDataException or UnauthorizedAccessException)
        {
            throw new ModelShieldException(ErrorCodes.MalformedData, $"Cannot read IDX file '{path}': {ex.Message}", ex);
        }
    }

    /// <summary>Writes an unsigned-byte IDX file, gzipped when the name ends in .gz.</summary>
    public static void Write(string path, IReadOnlyList<int> dimensions, ReadOnlySpan<byte> values)
    {
        var header = new byte[4 + (4 * dimensions.Count)];
        header[2] = UnsignedByte;
        header[3] = (byte)dimensions.Count;
        for (var i = 0; i < dimensions.Count; i++)
        {
            BinaryPrimitives.WriteInt32BigEndian(header.AsSpan(4 + (4 * i)), dimensions[i]);
        }

        var copy = values.ToArray();
        IO.AtomicFile.Write(path, s =>
        {
            if (path.EndsWith(".gz", StringComparison.OrdinalIgnoreCase))
            {
                using var gzip = new GZipStream(s, CompressionLevel.SmallestSize, leaveOpen: true);
                gzip.Write(header);
                gzip.Write(copy);
            }
            else
            {
                s.Write(header);
                s.Write(copy);
            }
        }, overwrite: true);
    }

    private static (int[] Dimensions, byte[] Values) Read(Stream stream, string path)
    {
        Span<byte> magic = stackalloc byte[4];
        stream.ReadExactly(magic);
        if (magic[0] != 0 || magic[1] != 0 || magic[2] != UnsignedByte || magic[3] is 0 or > 4)
        {
            throw new ModelShieldException(
                ErrorCodes.MalformedData,
                $"'{path}' is not an unsigned-byte IDX file (magic {Convert.ToHexString(magic)}; expected 000008 and 1-4 dimensions).");
        }

        var dimensions = new int[magic[3]];
        Span<byte> word = stackalloc byte[4];
        long count = 1;
        for (var i = 0; i < dimensions.Length; i++)
        {
            stream.ReadExactly(word);
            dimensions[i] = BinaryPrimitives.ReadInt32BigEndian(word);
            count *= dimensions[i];
            if (dimensions[i] < 0 || count > Array.MaxLength)
            {
                throw new ModelShieldException(ErrorCodes.MalformedData, $"'{path}' declares impossible dimensions.");
            }
        }

        return (dimensions, ReadValues(stream, count, path));
    }

    /// <summary>
    /// Reads the <paramref name="count"/> elements into an array grown as bytes arrive, so that a header claiming two
    /// billion elements costs what the file holds, not what it claims.
    /// </summary>
    private static byte[] ReadValues(Stream stream, long count, string path)
    {
        var values = new byte[Math.Min(count, InitialBuffer)];
        var filled = 0;
        while (filled < count)
        {
            if (filled == values.Length)
            {
                Array.Resize(ref values, (int)Math.Min(count, 2L * values.Length));
            }

            var read = stream.Read(values, filled, values.Length - filled);
            if (read == 0)
            {
                throw new ModelShieldException(ErrorCodes.MalformedData, $"'{path}' is truncated: it declares {count} elements and holds {filled}.");
            }

            filled += read;
        }

        return values;
    }
}
