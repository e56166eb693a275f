using System.Globalization;

namespace ModelShield.Signing.Manifest;

/// <summary>A shards-mode resource name, <c>path:start:end</c>, split into its parts.</summary>
internal readonly record struct ShardName(string Path, long Start, long End)
{
    public override string ToString() => Format(Path, Start, End);

    public static string Format(string path, long start, long end) =>
        string.Create(CultureInfo.InvariantCulture, $"{path}:{start}:{end}");

    /// <summary>Parses a shard name; the path may itself contain ':' so the range is taken from the right.</summary>
    public static bool TryParse(string name, out ShardName shard)
    {
        shard = default;
        var second = name.LastIndexOf(':');
        if (second <= 0)
        {
            return false;
        }

        var first = name.LastIndexOf(':', second - 1);
        if (first <= 0
            || !long.TryParse(name.AsSpan(first + 1, second - first - 1), NumberStyles.None, CultureInfo.InvariantCulture, out var start)
            || !long.TryParse(name.AsSpan(second + 1), NumberStyles.None, CultureInfo.InvariantCulture, out var end)
            || end < start)
        {
            return false;
        }

        shard = new ShardName(name[..first], start, end);
        return true;
    }
}
