using ModelShield.Errors;
using ModelShield.IO;
using ModelShield.Signing.Hashing;
using ModelShield.Signing.Manifest;

namespace ModelShield.Signing.Verification;

/// <summary>
/// Compares the model on disk with the signed resources: every signed file present and unchanged, no file
/// unsigned (unless ignored or allowed), no symbolic link. Only files named by the statement are hashed.
/// </summary>
internal sealed class ModelFilesCheck : IVerificationCheck
{
    public bool Run(VerificationContext context)
    {
        var manifest = context.Statement!.Manifest;
        var s = manifest.Serialization;
        var ignores = s.IgnorePaths.Concat(context.CallerIgnores).ToList();
        var signature = Path.GetFullPath(context.SignaturePath);
        if (SafePath.IsWithin(context.RootFolder, signature) && !context.ModelIsFile)
        {
            var relative = Path.GetRelativePath(context.RootFolder, signature).Replace('\\', '/');
            ignores.Add(relative);
            ignores.Add(relative + ".p7s");
        }

        var (files, links) = ModelTree.List(context.ModelPath, new IgnoreSet(ignores));
        foreach (var link in links)
        {
            context.Fail(ErrorCodes.SymlinkRefused, $"'{link}' is a symbolic link; links are never followed or trusted.", link);
        }

        var expected = new Dictionary<string, List<ResourceDigest>>(StringComparer.Ordinal);
        foreach (var r in manifest.Resources)
        {
            var path = s.Method == Serialization.Shards && ShardName.TryParse(r.Name, out var shard) ? shard.Path : r.Name;
            if (!expected.TryGetValue(path, out var list))
            {
                expected[path] = list = [];
            }

            list.Add(r);
        }

        string NameOf(ModelFile f) => context.ModelIsFile && expected.ContainsKey(".") ? "." : f.Name;
        var onDisk = files.ToDictionary(NameOf, StringComparer.Ordinal);
        foreach (var path in expected.Keys.Where(p => !onDisk.ContainsKey(p)))
        {
            context.Fail(ErrorCodes.FileMissing, $"Signed file '{path}' is missing.", path);
        }

        var allowedUnsigned = new IgnoreSet(context.Policy.UnsignedPathsAllowed);
        foreach (var file in files.Where(f => !expected.ContainsKey(NameOf(f))))
        {
            if (!context.IgnoreUnsignedFiles && !allowedUnsigned.IsIgnored(file.Name))
            {
                context.Fail(ErrorCodes.FileUnsigned, $"File '{file.Name}' is on disk but not covered by the signature.", file.Name);
            }
        }

        var present = files.Where(f => expected.ContainsKey(NameOf(f))).ToList();
        string PathOf(ResourceDigest r) => s.Method == Serialization.Shards && ShardName.TryParse(r.Name, out var sh) ? sh.Path : r.Name;
        Action<ModelFile, IReadOnlyList<ResourceDigest>>? early = context.FileVerified is { } verified
            ? (file, found) =>
            {
                var path = NameOf(file);
                if (Mismatch(path, expected[path], found, s) is null)
                {
                    verified(file.FullPath);
                }
            }
            : null;
        var actual = ManifestHasher.Hash(present, s, context.ReaderFor(present), NameOf, early);
        foreach (var group in actual.GroupBy(PathOf, StringComparer.Ordinal))
        {
            if (Mismatch(group.Key, expected[group.Key], group.ToList(), s) is { } m)
            {
                context.Fail(ErrorCodes.FileChanged, m.Message, group.Key, m.Expected, m.Actual);
            }
            else
            {
                context.FilesVerified++;
            }
        }

        return true;
    }

    /// <summary>How the hashed resources of one file differ from the signed ones, or null when they match.</summary>
    private static FileMismatch? Mismatch(string path, List<ResourceDigest> signed, IReadOnlyList<ResourceDigest> found, Serialization s)
    {
        if (s.Method == Serialization.Shards)
        {
            var signedSize = signed.Max(r => ShardName.TryParse(r.Name, out var x) ? x.End : 0);
            var foundSize = found.Max(r => ShardName.TryParse(r.Name, out var x) ? x.End : 0);
            if (signedSize != foundSize)
            {
                return new($"File '{path}' changed: it was signed with {signedSize} bytes and has {foundSize} now.", $"{signedSize} bytes", $"{foundSize} bytes");
            }
        }

        var signedByName = signed.ToDictionary(r => r.Name, StringComparer.Ordinal);
        foreach (var r in found)
        {
            if (!signedByName.TryGetValue(r.Name, out var want) || !want.Digest.AsSpan().SequenceEqual(r.Digest))
            {
                var where = s.Method == Serialization.Shards ? $" (shard {r.Name})" : "";
                return new($"File '{path}' changed{where}: its SHA-256 is {r.DigestHex}, the signature says {want?.DigestHex ?? "(no such shard)"}.",
                    want?.DigestHex, r.DigestHex);
            }
        }

        return null;
    }

    private sealed record FileMismatch(string Message, string? Expected, string? Actual);
}
