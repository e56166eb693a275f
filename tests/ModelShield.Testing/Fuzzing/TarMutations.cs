using System.Text;

namespace ModelShield.Testing.Fuzzing;

/// <summary>
/// Mutations of a tar archive that survive its header checksum: one field of one ustar header (name, size, type,
/// link name, prefix...) or one record of a PAX extended header gets a hostile value, and the checksum is computed
/// again, so the mutation reaches the reader instead of stopping at "bad checksum". One mutation in four works on
/// the bytes instead.
/// </summary>
public static class TarMutations
{
    private const int Block = 512;

    private static readonly (string Name, int Offset, int Length)[] Fields =
    [
        ("name", 0, 100), ("mode", 100, 8), ("size", 124, 12), ("mtime", 136, 12), ("typeflag", 156, 1), ("linkname", 157, 100),
        ("devmajor", 329, 8), ("prefix", 345, 155),
    ];

    private static readonly string[] HostileNames =
        ["../escape.onnx", "/etc/cron.d/x", "a/../../b", "", ".", "./", "a\\b", "C:/x", "model.onnx/inner", "x\0y", new string('n', 99)];

    private static readonly string[] HostileNumbers =
        ["77777777777\0", "00000000000\0", "99999999999\0", "-1\0", "\u0080\0\0\0\0\0\0\u0001\0\0\0\0", "1 2\0", ""];

    private static readonly string[] TypeFlags = ["0", "1", "2", "3", "4", "5", "6", "7", "x", "g", "L", "K", "S", "V", "Z", "\0"];

    private static readonly string[] HostileRecords =
        ["path=../../escape", "path=/etc/passwd", "linkpath=/etc/passwd", "size=99999999999", "size=-5", "size=", "uid=x", "GNU.sparse.map=0,99999999"];

    /// <summary>One mutation of the tar archive <paramref name="tar"/>.</summary>
    public static Mutant Mutate(Random random, byte[] tar)
    {
        ArgumentNullException.ThrowIfNull(random);
        ArgumentNullException.ThrowIfNull(tar);
        var headers = Enumerable.Range(0, tar.Length / Block)
            .Select(i => i * Block)
            .Where(at => tar.AsSpan(at + 257, 5).SequenceEqual("ustar"u8))
            .ToList();
        if (headers.Count == 0 || random.Next(4) == 0)
        {
            return ByteMutations.Mutate(random, tar);
        }

        var bytes = (byte[])tar.Clone();
        var header = headers[random.Next(headers.Count)];
        string description;
        if (bytes[header + 156] == (byte)'x' && random.Next(2) == 0)
        {
            description = MutatePax(random, ref bytes, header);
        }
        else
        {
            var (name, offset, length) = Fields[random.Next(Fields.Length)];
            var value = name switch
            {
                "name" or "linkname" or "prefix" => HostileNames[random.Next(HostileNames.Length)],
                "typeflag" => TypeFlags[random.Next(TypeFlags.Length)],
                _ => HostileNumbers[random.Next(HostileNumbers.Length)],
            };
            var field = bytes.AsSpan(header + offset, length);
            field.Clear();
            Encoding.Latin1.GetBytes(value[..Math.Min(value.Length, length)]).CopyTo(field);
            description = $"header at {header}: {name} = '{value.Replace("\0", "\\0", StringComparison.Ordinal)}'";
        }

        FixChecksum(bytes, header);
        return new Mutant(bytes, description);
    }

    // A PAX record is "LENGTH key=value\n", LENGTH counting the whole record; the records fill the entry's data blocks.
    private static string MutatePax(Random random, ref byte[] bytes, int header)
    {
        var size = Convert.ToInt32(Encoding.ASCII.GetString(bytes, header + 124, 11).Trim('\0', ' '), 8);
        var data = header + Block;
        if (random.Next(2) == 0)
        {
            var record = HostileRecords[random.Next(HostileRecords.Length)];
            var records = Encoding.ASCII.GetBytes($"{record.Length + 5:D3} {record}\n"); // 3 digits, a space, the record, a newline
            var grown = size + records.Length;
            var padded = (grown + Block - 1) / Block * Block;
            var old = (size + Block - 1) / Block * Block;
            bytes = [.. bytes.AsSpan(0, data + size), .. records, .. new byte[padded - grown], .. bytes.AsSpan(data + old)];
            Encoding.ASCII.GetBytes(Convert.ToString(grown, 8).PadLeft(11, '0')).CopyTo(bytes, header + 124);
            return $"pax header at {header}: add record '{record}'";
        }

        // Inflate the first record's length: it then claims bytes past its entry.
        var space = Array.IndexOf(bytes, (byte)' ', data, Math.Min(size, 20));
        var claimed = random.Next(2) == 0 ? "99999" : "2147483647";
        if (space < 0)
        {
            return "pax header without records (unchanged)";
        }

        var rest = bytes.AsSpan(space, data + size - space).ToArray();
        var replaced = Encoding.ASCII.GetBytes(claimed).Concat(rest).Take(size).ToArray();
        replaced.CopyTo(bytes, data);
        return $"pax header at {header}: first record claims {claimed} bytes";
    }

    /// <summary>Computes again the checksum of the ustar header at <paramref name="header"/>, after an edit.</summary>
    public static void FixChecksum(byte[] bytes, int header)
    {
        ArgumentNullException.ThrowIfNull(bytes);
        var checksum = bytes.AsSpan(header + 148, 8);
        checksum.Fill((byte)' ');
        var sum = 0;
        foreach (var b in bytes.AsSpan(header, Block))
        {
            sum += b;
        }

        Encoding.ASCII.GetBytes(Convert.ToString(sum, 8).PadLeft(6, '0') + "\0 ").CopyTo(checksum);
    }
}
