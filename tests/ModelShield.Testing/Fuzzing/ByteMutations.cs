using System.Buffers.Binary;

namespace ModelShield.Testing.Fuzzing;

/// <summary>
/// Format-blind mutations of a byte string: bit flips, interesting byte values, truncation, deleted and duplicated
/// ranges, and 32-bit integers overwritten with extreme values (little- or big-endian), preferably at the offsets of
/// the format's known length or count fields. Deterministic for a given <see cref="Random"/>.
/// </summary>
public static class ByteMutations
{
    /// <summary>Values that break length and count arithmetic: zero, sign boundaries, 2^30, 2^31, 2^32 - 1.</summary>
    public static IReadOnlyList<long> InterestingIntegers { get; } =
        [0, 1, -1, 0x7F, 0x80, 0xFF, 0x7FFF, 0x8000, 0xFFFF, 0x1000_0000, 0x4000_0000, 0x7FFF_FFFF, 0x8000_0000, 0xFFFF_FFFF];

    private static readonly byte[] InterestingBytes = [0x00, 0x01, 0x7F, 0x80, 0xFF, (byte)'"', (byte)'{', (byte)'[', (byte)'\\', (byte)'/', (byte)'.'];

    /// <summary>
    /// One to three stacked mutations of <paramref name="input"/>; <paramref name="fieldOffsets"/> are offsets of
    /// 32-bit length or count fields, which integer overwrites then target three times in four.
    /// </summary>
    public static Mutant Mutate(Random random, ReadOnlySpan<byte> input, IReadOnlyList<int>? fieldOffsets = null)
    {
        ArgumentNullException.ThrowIfNull(random);
        var bytes = input.ToArray();
        var steps = new List<string>();
        var rounds = random.Next(4) == 0 ? random.Next(2, 4) : 1;
        for (var i = 0; i < rounds; i++)
        {
            bytes = MutateOnce(random, bytes, fieldOffsets, steps);
        }

        return new Mutant(bytes, string.Join("; ", steps));
    }

    private static byte[] MutateOnce(Random random, byte[] bytes, IReadOnlyList<int>? fieldOffsets, List<string> steps)
    {
        if (bytes.Length == 0)
        {
            steps.Add("insert 0x00 into empty input");
            return [0];
        }

        var at = random.Next(bytes.Length);
        switch (random.Next(7))
        {
            case 0:
                var bit = random.Next(8);
                bytes[at] ^= (byte)(1 << bit);
                steps.Add($"flip bit {bit} of byte {at}");
                return bytes;
            case 1:
                var value = InterestingBytes[random.Next(InterestingBytes.Length)];
                bytes[at] = value;
                steps.Add($"set byte {at} to 0x{value:X2}");
                return bytes;
            case 2:
                steps.Add($"truncate to {at} bytes");
                return bytes[..at];
            case 3:
                var deleted = random.Next(1, Math.Min(64, bytes.Length - at) + 1);
                steps.Add($"delete {deleted} bytes at {at}");
                return [.. bytes.AsSpan(0, at), .. bytes.AsSpan(at + deleted)];
            case 4:
                var length = random.Next(1, Math.Min(256, bytes.Length - at) + 1);
                var to = random.Next(bytes.Length + 1);
                steps.Add($"duplicate {length} bytes from {at} at {to}");
                return [.. bytes.AsSpan(0, to), .. bytes.AsSpan(at, length), .. bytes.AsSpan(to)];
            case 5:
                var where = fieldOffsets is { Count: > 0 } && random.Next(4) > 0 ? fieldOffsets[random.Next(fieldOffsets.Count)] : at;
                return OverwriteInteger(random, bytes, where, steps);
            default:
                var count = random.Next(1, 4);
                var inserted = Enumerable.Range(0, count).Select(_ => (byte)random.Next(256)).ToArray();
                steps.Add($"insert {count} random bytes at {at}");
                return [.. bytes.AsSpan(0, at), .. inserted, .. bytes.AsSpan(at)];
        }
    }

    private static byte[] OverwriteInteger(Random random, byte[] bytes, int at, List<string> steps)
    {
        if (at + 4 > bytes.Length)
        {
            steps.Add($"truncate to {Math.Min(at, bytes.Length)} bytes (no room for an integer)");
            return bytes[..Math.Min(at, bytes.Length)];
        }

        var value = (uint)InterestingIntegers[random.Next(InterestingIntegers.Count)];
        var bigEndian = random.Next(2) == 0;
        if (bigEndian)
        {
            BinaryPrimitives.WriteUInt32BigEndian(bytes.AsSpan(at), value);
        }
        else
        {
            BinaryPrimitives.WriteUInt32LittleEndian(bytes.AsSpan(at), value);
        }

        steps.Add($"write 0x{value:X8} {(bigEndian ? "big" : "little")}-endian at {at}");
        return bytes;
    }
}
