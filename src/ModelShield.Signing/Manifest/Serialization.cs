namespace ModelShield.Signing.Manifest;

/// <summary>How a model was turned into resources, as recorded in the OMS predicate's <c>serialization</c>.</summary>
/// <param name="Method"><see cref="Files"/> or <see cref="Shards"/>.</param>
/// <param name="HashType">The hash of every resource; only <c>sha256</c> is produced.</param>
/// <param name="AllowSymlinks">Whether links were followed; ModelShield never does, and refuses bundles that did.</param>
/// <param name="IgnorePaths">Paths relative to the model root that were left out (files or whole folders).</param>
/// <param name="ShardSize">Bytes per shard in shards mode, else null.</param>
internal sealed record Serialization(string Method, string HashType, bool AllowSymlinks, IReadOnlyList<string> IgnorePaths, long? ShardSize)
{
    public const string Files = "files";
    public const string Shards = "shards";
    public const string Sha256 = "sha256";

    /// <summary>Shard size used when none is given: large enough to keep the manifest short, small enough to spread one file over every core.</summary>
    public const long DefaultShardSize = 1L << 28;

    /// <summary>The algorithm name each resource carries, as the reference implementation writes it.</summary>
    public string ResourceAlgorithm => Method == Shards ? $"{HashType}-sharded-{ShardSize}" : HashType;
}
