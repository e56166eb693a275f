namespace ModelShield.Testing.Fuzzing;

/// <summary>
/// Mutations of a protobuf message at the wire level, which byte mutations rarely reach: the bytes are read into a
/// tree of fields (a length-delimited field that parses as a message becomes a subtree), one field somewhere is
/// duplicated, removed, given an inflated length prefix, an extreme varint, other content or another wire type, and the
/// tree is written back with every enclosing length recomputed (except an inflated one).
/// </summary>
public static class ProtobufMutations
{
    private const int VarintType = 0;
    private const int Fixed64Type = 1;
    private const int LengthType = 2;
    private const int Fixed32Type = 5;

    private static readonly ulong[] InterestingVarints =
        [0, 1, 0x7F, 0x80, 0x1000_0000, 0x7FFF_FFFF, 0x8000_0000, 0xFFFF_FFFF, 1UL << 40, 1UL << 62, long.MaxValue, ulong.MaxValue, unchecked((ulong)-2L)];

    private static readonly byte[][] InterestingContents =
    [
        [],
        "../../../etc/passwd"u8.ToArray(),
        "/etc/passwd"u8.ToArray(),
        "C:\\weights.bin"u8.ToArray(),
        "weights.bin\0.txt"u8.ToArray(),
        "sub/../../x"u8.ToArray(),
        "-1"u8.ToArray(),
        "99999999999999999999"u8.ToArray(),
        [.. Enumerable.Repeat((byte)'x', 70_000)],
    ];

    /// <summary>One wire-level mutation of <paramref name="message"/>; byte mutations when it does not parse as protobuf.</summary>
    public static Mutant Mutate(Random random, byte[] message)
    {
        ArgumentNullException.ThrowIfNull(random);
        ArgumentNullException.ThrowIfNull(message);
        var root = Parse(message, 0);
        if (root is null || root.Count == 0)
        {
            return ByteMutations.Mutate(random, message);
        }

        var slots = new List<(List<WireField> Parent, int Index, string Path)>();
        Collect(root, "", slots);
        var (parent, index, path) = slots[random.Next(slots.Count)];
        var field = parent[index];
        // Only the mutations that apply to this field's wire type are drawn.
        int[] kinds = field.WireType switch
        {
            LengthType => [0, 1, 2, 4, 5],
            VarintType => [0, 1, 3, 5],
            _ => [0, 1, 5],
        };
        string what;
        switch (kinds[random.Next(kinds.Length)])
        {
            case 0:
                parent.Insert(index + 1, field.Clone());
                what = "duplicate";
                break;
            case 1:
                parent.RemoveAt(index);
                what = "remove";
                break;
            case 2:
                var length = (ulong)field.Content().Length;
                field.DeclaredLength = random.Next(3) switch
                {
                    0 => length + (ulong)random.Next(1, 1000),
                    1 => InterestingVarints[random.Next(5, InterestingVarints.Length)],
                    _ => 0x7FFF_FFFF,
                };
                what = $"declare length {field.DeclaredLength} (holds {length})";
                break;
            case 3:
                field.Varint = InterestingVarints[random.Next(InterestingVarints.Length)];
                what = $"set varint to {field.Varint} ({unchecked((long)field.Varint)} signed)";
                break;
            case 4:
                var content = random.Next(3) == 0
                    ? field.Content()[..(field.Content().Length / 2)]
                    : InterestingContents[random.Next(InterestingContents.Length)];
                field.Children = null;
                field.Payload = content;
                what = $"replace content with {content.Length} bytes '{System.Text.Encoding.UTF8.GetString(content[..Math.Min(24, content.Length)])}'";
                break;
            default:
                var type = new[] { VarintType, Fixed64Type, LengthType, Fixed32Type }[random.Next(4)];
                what = $"change wire type {field.WireType} to {type}";
                field.WireType = type;
                if (type == LengthType && field.Payload.Length == 0 && field.Children is null)
                {
                    field.Payload = new byte[random.Next(0, 9)];
                }

                break;
        }

        return new Mutant(Emit(root), $"protobuf field {path}: {what}");
    }

    private static void Collect(List<WireField> fields, string prefix, List<(List<WireField>, int, string)> into)
    {
        for (var i = 0; i < fields.Count; i++)
        {
            var path = $"{prefix}/{fields[i].Number}[{i}]";
            into.Add((fields, i, path));
            if (fields[i].Children is { } children)
            {
                Collect(children, path, into);
            }
        }
    }

    private static List<WireField>? Parse(ReadOnlySpan<byte> data, int depth)
    {
        var fields = new List<WireField>();
        var position = 0;
        while (position < data.Length)
        {
            if (!TryReadVarint(data, ref position, out var tag) || tag >> 3 is 0 or > int.MaxValue)
            {
                return null;
            }

            var field = new WireField { Number = (int)(tag >> 3), WireType = (int)(tag & 7) };
            switch (field.WireType)
            {
                case VarintType:
                    if (!TryReadVarint(data, ref position, out var value))
                    {
                        return null;
                    }

                    field.Varint = value;
                    break;
                case Fixed64Type or Fixed32Type:
                    var size = field.WireType == Fixed64Type ? 8 : 4;
                    if (position + size > data.Length)
                    {
                        return null;
                    }

                    field.Payload = data.Slice(position, size).ToArray();
                    position += size;
                    break;
                case LengthType:
                    if (!TryReadVarint(data, ref position, out var length) || length > (ulong)(data.Length - position))
                    {
                        return null;
                    }

                    var content = data.Slice(position, (int)length);
                    position += (int)length;
                    field.Children = depth < 32 && content.Length > 0 ? Parse(content, depth + 1) : null;
                    field.Payload = field.Children is null ? content.ToArray() : [];
                    break;
                default:
                    return null; // groups: not used by the formats fuzzed here
            }

            fields.Add(field);
        }

        return fields;
    }

    private static byte[] Emit(List<WireField> fields)
    {
        using var buffer = new MemoryStream();
        foreach (var field in fields)
        {
            WriteVarint(buffer, ((ulong)field.Number << 3) | (uint)field.WireType);
            switch (field.WireType)
            {
                case VarintType:
                    WriteVarint(buffer, field.Varint);
                    break;
                case LengthType:
                    var content = field.Content();
                    WriteVarint(buffer, field.DeclaredLength ?? (ulong)content.Length);
                    buffer.Write(content);
                    break;
                default:
                    buffer.Write(field.Payload);
                    break;
            }
        }

        return buffer.ToArray();
    }

    private static bool TryReadVarint(ReadOnlySpan<byte> data, ref int position, out ulong value)
    {
        value = 0;
        for (var shift = 0; shift < 64 && position < data.Length; shift += 7)
        {
            var b = data[position++];
            value |= (ulong)(b & 0x7F) << shift;
            if (b < 0x80)
            {
                return true;
            }
        }

        return false;
    }

    private static void WriteVarint(Stream stream, ulong value)
    {
        while (value >= 0x80)
        {
            stream.WriteByte((byte)(value | 0x80));
            value >>= 7;
        }

        stream.WriteByte((byte)value);
    }

    private sealed class WireField
    {
        public required int Number { get; init; }

        public required int WireType { get; set; }

        public ulong Varint { get; set; }

        /// <summary>Fixed-size bytes, or the content of a length-delimited field that is not a message.</summary>
        public byte[] Payload { get; set; } = [];

        /// <summary>The fields of a length-delimited field that parsed as a message.</summary>
        public List<WireField>? Children { get; set; }

        /// <summary>A length prefix that lies about the content.</summary>
        public ulong? DeclaredLength { get; set; }

        public byte[] Content() => Children is null ? Payload : Emit(Children);

        public WireField Clone() => new()
        {
            Number = Number,
            WireType = WireType,
            Varint = Varint,
            Payload = Payload,
            Children = Children?.Select(c => c.Clone()).ToList(),
            DeclaredLength = DeclaredLength,
        };
    }
}
