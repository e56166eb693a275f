using ModelShield.Errors;
using ModelShield.IO;
using ModelShield.Signing.Manifest;
using ModelShield.Signing.Oms;

namespace ModelShield.Signing.Verification;

/// <summary>
/// Checks the signed statement itself: predicate, serialization and algorithms allowed, resource names safe
/// and unique (also ignoring case), shards tiling their files, and the subject digest matching the resources.
/// </summary>
internal sealed class StatementCheck : IVerificationCheck
{
    public bool Run(VerificationContext context)
    {
        var before = context.Issues.Count;
        var statement = context.Statement!;
        var policy = context.Policy;
        var manifest = statement.Manifest;
        var s = manifest.Serialization;
        if (statement.IsLegacy ? !policy.AllowLegacyPredicate : statement.PredicateType != InTotoStatement.PredicateV1)
        {
            context.Fail(ErrorCodes.AlgorithmNotAllowed, $"Predicate type '{statement.PredicateType}' is not allowed.", actual: statement.PredicateType);
            return false;
        }

        if (s.Method is not (Serialization.Files or Serialization.Shards) || !policy.AllowedSerializations.Contains(s.Method))
        {
            context.Fail(ErrorCodes.AlgorithmNotAllowed, $"Serialization method '{s.Method}' is not allowed.", actual: s.Method);
        }

        if (s.HashType != Serialization.Sha256 || !policy.AllowedHashAlgorithms.Contains(s.HashType))
        {
            context.Fail(ErrorCodes.AlgorithmNotAllowed, $"Hash type '{s.HashType}' is not allowed.", expected: string.Join(",", policy.AllowedHashAlgorithms), actual: s.HashType);
        }

        if (manifest.Resources.Count == 0)
        {
            context.Fail(ErrorCodes.EmptyModel, "The statement lists no resource: an empty model is never accepted.");
        }

        foreach (var ignored in s.IgnorePaths)
        {
            if (PathProblem(ignored) is { } why)
            {
                context.Fail(ErrorCodes.UnsafeResourceName, $"Signed ignore path '{ignored}' is refused: {why}.", path: ignored);
            }
        }

        CheckResources(context, manifest);
        if (!statement.IsLegacy && !manifest.SubjectDigest().AsSpan().SequenceEqual(statement.SubjectDigest))
        {
            context.Fail(ErrorCodes.SubjectDigestMismatch, "The statement's subject digest does not match its resources.",
                expected: Convert.ToHexStringLower(statement.SubjectDigest!), actual: Convert.ToHexStringLower(manifest.SubjectDigest()));
        }

        return context.Issues.Count == before;
    }

    private static void CheckResources(VerificationContext context, ModelManifest manifest)
    {
        var s = manifest.Serialization;
        var shardAlgorithm = $"{s.HashType}-sharded-{s.ShardSize}";
        var byPath = new Dictionary<string, List<ShardName>>(StringComparer.Ordinal);
        foreach (var r in manifest.Resources)
        {
            var accepted = s.Method == Serialization.Shards ? r.Algorithm == shardAlgorithm || r.Algorithm == s.HashType : r.Algorithm == s.HashType;
            if (!accepted)
            {
                context.Fail(ErrorCodes.AlgorithmNotAllowed, $"Resource '{r.Name}' uses algorithm '{r.Algorithm}', which does not match the serialization.", r.Name, actual: r.Algorithm);
            }

            ShardName shard;
            if (s.Method == Serialization.Shards)
            {
                if (!ShardName.TryParse(r.Name, out shard))
                {
                    context.Fail(ErrorCodes.SignatureBundleMalformed, $"Malformed signature bundle: shard resource name '{r.Name}' is not path:start:end.", r.Name);
                    continue;
                }
            }
            else
            {
                shard = new ShardName(r.Name, 0, 0);
            }

            if (!byPath.TryGetValue(shard.Path, out var shards))
            {
                byPath[shard.Path] = shards = [];
            }
            else if (s.Method == Serialization.Files)
            {
                context.Fail(ErrorCodes.DuplicateResource, $"Resource '{r.Name}' is listed twice.", r.Name);
            }

            shards.Add(shard);
        }

        foreach (var (path, shards) in byPath)
        {
            var why = path == "." ? (byPath.Count == 1 ? null : "'.' stands for a single-file model only") : PathProblem(path);
            if (why is not null)
            {
                context.Fail(ErrorCodes.UnsafeResourceName, $"Resource name '{path}' is refused: {why}.", path);
            }

            if (s.Method == Serialization.Shards && !Tiles(shards))
            {
                context.Fail(ErrorCodes.DuplicateResource, $"The shards of '{path}' overlap, repeat or leave gaps.", path);
            }
        }

        foreach (var group in byPath.Keys.GroupBy(p => p.ToUpperInvariant()).Where(g => g.Count() > 1))
        {
            context.Fail(ErrorCodes.DuplicateResource, $"Resource names differ only by case ({string.Join(", ", group)}); they would collide on a case-insensitive file system.", group.First());
        }
    }

    private static bool Tiles(List<ShardName> shards)
    {
        var next = 0L;
        foreach (var shard in shards.OrderBy(x => x.Start))
        {
            if (shard.Start != next || (shard.End == shard.Start && shards.Count > 1))
            {
                return false;
            }

            next = shard.End;
        }

        return true;
    }

    /// <summary>Why a signed relative path is refused, or null: it must be a normalized relative path inside the model.</summary>
    internal static string? PathProblem(string path) =>
        SafePath.WhyUnsafe(path)
        ?? (path.Split('/').Any(segment => segment.Length == 0 || segment == ".") ? "it is not a normalized relative path" : null);
}
