using ModelShield.Signing.Manifest;

namespace ModelShield.Signing.Hashing;

/// <summary>Computes the resources of a list of files under a serialization, hashing files (or shards) in parallel.</summary>
internal static class ManifestHasher
{
    /// <summary>
    /// The resources of <paramref name="files"/>, in file order (and shard order within a file). <paramref name="fileHashed"/>,
    /// if given, hears of each file as soon as all of its resources are hashed, on the thread that hashed the last one.
    /// </summary>
    public static IReadOnlyList<ResourceDigest> Hash(
        IReadOnlyList<ModelFile> files,
        Serialization serialization,
        IContentReader reader,
        Func<ModelFile, string>? nameOf = null,
        Action<ModelFile, IReadOnlyList<ResourceDigest>>? fileHashed = null)
    {
        nameOf ??= f => f.Name;
        var work = new List<(int File, long Start, long End, string Name)>();
        var firstItem = new int[files.Count + 1];
        for (var f = 0; f < files.Count; f++)
        {
            firstItem[f] = work.Count;
            var file = files[f];
            var name = nameOf(file);
            if (serialization.Method == Serialization.Shards)
            {
                var size = serialization.ShardSize ?? Serialization.DefaultShardSize;
                var start = 0L;
                do
                {
                    var end = Math.Min(start + size, file.Length);
                    work.Add((f, start, end, ShardName.Format(name, start, end)));
                    start = end;
                }
                while (start < file.Length);
            }
            else
            {
                work.Add((f, 0, file.Length, name));
            }
        }

        firstItem[files.Count] = work.Count;

        // A range larger than its share of the cores would leave cores idle while it alone is hashed, so its reading
        // spreads; smaller ones are hashed side by side, one per core.
        var share = work.Sum(w => w.End - w.Start) / Environment.ProcessorCount;
        var pending = Enumerable.Range(0, files.Count).Select(f => firstItem[f + 1] - firstItem[f]).ToArray();
        var algorithm = serialization.ResourceAlgorithm;
        var results = new ResourceDigest[work.Count];
        Parallel.For(0, work.Count, new ParallelOptions { MaxDegreeOfParallelism = Environment.ProcessorCount }, i =>
        {
            var item = work[i];
            results[i] = new ResourceDigest(item.Name, algorithm, reader.Sha256(files[item.File], item.Start, item.End, item.End - item.Start > share));

            // The decrement that reaches zero is the last of this file's items, and it sees every result written before it.
            if (fileHashed is not null && Interlocked.Decrement(ref pending[item.File]) == 0)
            {
                fileHashed(files[item.File], results[firstItem[item.File]..firstItem[item.File + 1]]);
            }
        });
        return results;
    }
}
