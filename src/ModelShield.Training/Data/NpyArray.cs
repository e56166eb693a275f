using System.Buffers.Binary;
using System.Globalization;
using System.Runtime.InteropServices;
using System.Text;
using System.Text.RegularExpressions;
using ModelShield.Errors;

namespace ModelShield.Training.Data;

/// <summary>
/// A NumPy .npy array (format versions 1.0 to 3.0, C order, little-endian or single-byte elements).
/// Elements are kept as raw bytes with their NumPy type descriptor (e.g. <c>&lt;f4</c>, <c>|u1</c>);
/// <see cref="ToSingles"/> converts any supported numeric type to float32.
/// </summary>
internal sealed partial class NpyArray
{
    private static readonly byte[] Magic = [0x93, (byte)'N', (byte)'U', (byte)'M', (byte)'P', (byte)'Y'];

    public NpyArray(string descriptor, int[] shape, byte[] data)
    {
        Descriptor = descriptor;
        Shape = shape;
        Data = data;

        // In long arithmetic, stopping past what any array holds: an int product wraps, and (65536, 65536) would pass for 0.
        long bytes = ElementSize(descriptor);
        foreach (var d in shape)
        {
            bytes = d < 0 || bytes * d > Array.MaxLength ? -1 : bytes * d;
            if (bytes < 0)
            {
                break;
            }
        }

        if (bytes != data.Length)
        {
            throw new ModelShieldException(ErrorCodes.MalformedData, $"An array of shape ({string.Join(", ", shape)}) and type {descriptor} needs {(bytes < 0 ? "more" : bytes)} bytes, not {data.Length}.");
        }

        ElementCount = data.Length / ElementSize(descriptor);
    }

    /// <summary>The NumPy type string, e.g. <c>&lt;f4</c>.</summary>
    public string Descriptor { get; }

    public int[] Shape { get; }

    public byte[] Data { get; }

    public int ElementCount { get; }

    public static NpyArray FromSingles(float[] values, params int[] shape) =>
        new("<f4", shape, MemoryMarshal.AsBytes(values.AsSpan()).ToArray());

    public static NpyArray FromBytes(byte[] values, params int[] shape) => new("|u1", shape, (byte[])values.Clone());

    /// <summary>Converts the elements to float32 (integers exactly where float32 can hold them).</summary>
    public float[] ToSingles()
    {
        var span = Data.AsSpan();
        return Descriptor switch
        {
            "<f4" => MemoryMarshal.Cast<byte, float>(span).ToArray(),
            "<f8" => Array.ConvertAll(MemoryMarshal.Cast<byte, double>(span).ToArray(), v => (float)v),
            "|u1" => Array.ConvertAll(Data, v => (float)v),
            "|i1" => Array.ConvertAll(MemoryMarshal.Cast<byte, sbyte>(span).ToArray(), v => (float)v),
            "<i4" => Array.ConvertAll(MemoryMarshal.Cast<byte, int>(span).ToArray(), v => (float)v),
            "<i8" => Array.ConvertAll(MemoryMarshal.Cast<byte, long>(span).ToArray(), v => (float)v),
            _ => throw Unsupported(Descriptor),
        };
    }

    public static NpyArray Read(string path)
    {
        try
        {
            return Parse(File.ReadAllBytes(path), path);
        }
        catch (Exception ex) when (ex is IOException or UnauthorizedAccessException)
        {
            throw new ModelShieldException(ErrorCodes.DataNotFound, $"Cannot read '{path}': {ex.Message}", ex);
        }
    }

    public static NpyArray Parse(byte[] bytes, string name)
    {
        if (bytes.Length < 10 || !bytes.AsSpan(0, 6).SequenceEqual(Magic))
        {
            throw new ModelShieldException(ErrorCodes.MalformedData, $"'{name}' is not a .npy file (no \\x93NUMPY magic).");
        }

        var major = bytes[6];
        var start = major switch
        {
            1 => 10,
            2 or 3 => 12,
            _ => throw new ModelShieldException(ErrorCodes.MalformedData, $"'{name}' uses .npy format version {major}, which is not supported (1 to 3 are)."),
        };

        // Version 1 gives the header length in 16 bits, later ones in 32: kept in a long so that no length wraps.
        var headerLength = bytes.Length < start ? -1L
            : major == 1 ? BinaryPrimitives.ReadUInt16LittleEndian(bytes.AsSpan(8)) : BinaryPrimitives.ReadUInt32LittleEndian(bytes.AsSpan(8));
        if (headerLength < 0 || start + headerLength > bytes.Length)
        {
            throw new ModelShieldException(ErrorCodes.MalformedData, $"'{name}' is truncated inside its header.");
        }

        var header = Encoding.UTF8.GetString(bytes, start, (int)headerLength);
        var descr = DescrPattern().Match(header);
        var order = FortranPattern().Match(header);
        var shape = ShapePattern().Match(header);
        if (!descr.Success || !order.Success || !shape.Success)
        {
            throw new ModelShieldException(ErrorCodes.MalformedData, $"'{name}' has a malformed .npy header: {header.Trim()}");
        }

        if (order.Groups[1].Value == "True")
        {
            throw new ModelShieldException(ErrorCodes.MalformedData, $"'{name}' is stored in Fortran order; only C order is supported.");
        }

        var descriptor = descr.Groups[1].Value.Replace('=', '<');
        _ = ElementSize(descriptor);
        var dims = shape.Groups[1].Value
            .Split(',', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries)
            .Select(d => int.TryParse(d, NumberStyles.None, CultureInfo.InvariantCulture, out var n)
                ? n
                : throw new ModelShieldException(ErrorCodes.MalformedData, $"'{name}' declares a dimension of {d}, beyond what can be read."))
            .ToArray();
        return new NpyArray(descriptor, dims, bytes.AsSpan(start + (int)headerLength).ToArray());
    }

    /// <summary>Writes the array as a version 1.0 .npy file, atomically.</summary>
    public void Write(string path, bool overwrite = false)
    {
        var shape = Shape.Length == 1 ? $"({Shape[0]},)" : $"({string.Join(", ", Shape)})";
        var dict = $"{{'descr': '{Descriptor}', 'fortran_order': False, 'shape': {shape}, }}";

        // The header (magic + version + length + dict + newline) is padded with spaces to a multiple of 64 bytes.
        var unpadded = 10 + dict.Length + 1;
        var padded = (unpadded + 63) / 64 * 64;
        var header = dict + new string(' ', padded - unpadded) + "\n";
        var headerBytes = Encoding.ASCII.GetBytes(header);
        IO.AtomicFile.Write(path, s =>
        {
            s.Write(Magic);
            s.Write([1, 0]);
            Span<byte> length = stackalloc byte[2];
            BinaryPrimitives.WriteUInt16LittleEndian(length, (ushort)headerBytes.Length);
            s.Write(length);
            s.Write(headerBytes);
            s.Write(Data);
        }, overwrite);
    }

    private static int ElementSize(string descriptor) => descriptor switch
    {
        "|u1" or "|i1" => 1,
        "<f4" or "<i4" => 4,
        "<f8" or "<i8" => 8,
        _ => throw Unsupported(descriptor),
    };

    private static ModelShieldException Unsupported(string descriptor) =>
        new(ErrorCodes.MalformedData, $".npy element type '{descriptor}' is not supported (supported: <f4, <f8, |u1, |i1, <i4, <i8).");

    [GeneratedRegex(@"'descr'\s*:\s*'([<>|=][a-z]\d+)'")]
    private static partial Regex DescrPattern();

    [GeneratedRegex(@"'fortran_order'\s*:\s*(True|False)")]
    private static partial Regex FortranPattern();

    [GeneratedRegex(@"'shape'\s*:\s*\(([\d,\s]*)\)")]
    private static partial Regex ShapePattern();
}
