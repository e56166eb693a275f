using ModelShield.Signing.Manifest;

namespace ModelShield.Signing.Hashing;

/// <summary>Computes the resources of a list of files under a serialization, hashing files (or shards) in parallel.</summary>
internal static class ManifestHasher
{
    /// <summary>The resources of <paramref name="files"/>, in file order (and shard order within a file).</summary>
    public static IReadOnlyList<ResourceDigest> Hash(IReadOnlyList<ModelFile> files, Serialization serialization, IContentReader reader, Func<ModelFile, string>? nameOf = null)
    {
        nameOf ??= f => f.Name;
        var work = new List<(ModelFile File, long Start, long End, string Name)>();
        foreach (var file in files)
        {
            var name = nameOf(file);
            if (serialization.Method == Serialization.Shards)
            {
                var size = serialization.ShardSize ?? Serialization.DefaultShardSize;
                var start = 0L;
                do
                {
                    var end = Math.Min(start + size, file.Length);
                    work.Add((file, start, end, ShardName.Format(name, start, end)));
                    start = end;
                }
                while (start < file.Length);
            }
            else
            {
                work.Add((file, 0, file.Length, name));
            }
        }

        var algorithm = serialization.ResourceAlgorithm;
        var results = new ResourceDigest[work.Count];
        Parallel.For(0, work.Count, new ParallelOptions { MaxDegreeOfParallelism = Environment.ProcessorCount }, i =>
        {
            var item = work[i];
            results[i] = new ResourceDigest(item.Name, algorithm, reader.Sha256(item.File, item.Start, item.End));
        });
        return results;
    }
}
