using System.Text.Json;
using ModelShield.Signing.Manifest;
using static ModelShield.Signing.Oms.SigstoreBundle;

namespace ModelShield.Signing.Oms;

/// <summary>
/// The in-toto Statement v1 that a DSSE envelope carries. Current bundles use the OMS v1.0 predicate
/// (serialization + resources, subject digest over the resource digests); bundles from model_signing
/// v0.2 use the legacy predicate and list one subject per file.
/// </summary>
internal sealed record InTotoStatement(string SubjectName, byte[]? SubjectDigest, string PredicateType, ModelManifest Manifest)
{
    public const string StatementType = "https://in-toto.io/Statement/v1";
    public const string PredicateV1 = "https://model_signing/signature/v1.0";
    public const string PredicateLegacy = "https://model_signing/Digests/v0.1";

    public bool IsLegacy => PredicateType == PredicateLegacy;

    /// <summary>The statement for a manifest, as bytes ready to be the DSSE payload.</summary>
    public static byte[] Build(string subjectName, ModelManifest manifest)
    {
        using var buffer = new MemoryStream();
        using (var w = new Utf8JsonWriter(buffer))
        {
            w.WriteStartObject();
            w.WriteString("_type", StatementType);
            w.WriteStartArray("subject");
            w.WriteStartObject();
            w.WriteString("name", subjectName);
            w.WriteStartObject("digest");
            w.WriteString("sha256", Convert.ToHexStringLower(manifest.SubjectDigest()));
            w.WriteEndObject();
            w.WriteEndObject();
            w.WriteEndArray();
            w.WriteString("predicateType", PredicateV1);
            w.WriteStartObject("predicate");
            var s = manifest.Serialization;
            w.WriteStartObject("serialization");
            w.WriteString("method", s.Method);
            w.WriteString("hash_type", s.HashType);
            w.WriteBoolean("allow_symlinks", s.AllowSymlinks);
            w.WriteStartArray("ignore_paths");
            foreach (var p in s.IgnorePaths)
            {
                w.WriteStringValue(p);
            }

            w.WriteEndArray();
            if (s.ShardSize is { } size)
            {
                w.WriteNumber("shard_size", size);
            }

            w.WriteEndObject();
            w.WriteStartArray("resources");
            foreach (var r in manifest.Resources)
            {
                w.WriteStartObject();
                w.WriteString("name", r.Name);
                w.WriteString("algorithm", r.Algorithm);
                w.WriteString("digest", r.DigestHex);
                w.WriteEndObject();
            }

            w.WriteEndArray();
            w.WriteEndObject();
            w.WriteEndObject();
        }

        return buffer.ToArray();
    }

    /// <summary>Parses a DSSE payload; any unexpected shape is a malformed-bundle error.</summary>
    public static InTotoStatement Parse(ReadOnlySpan<byte> payload)
    {
        try
        {
            using var doc = JsonDocument.Parse(payload.ToArray(), ReadOptions);
            var root = Object(doc.RootElement, "statement");
            var type = String(root, "_type");
            if (type != StatementType)
            {
                throw Malformed($"statement _type '{type}' is not {StatementType}");
            }

            var subjects = Required(root, "subject");
            if (subjects.ValueKind != JsonValueKind.Array || subjects.GetArrayLength() == 0)
            {
                throw Malformed("statement subject must be a non-empty array");
            }

            var predicateType = String(root, "predicateType");
            if (predicateType == PredicateLegacy)
            {
                var resources = subjects.EnumerateArray().Select(s =>
                {
                    Object(s, "subject");
                    return new ResourceDigest(String(s, "name"), Serialization.Sha256, Hex(String(Object(Required(s, "digest"), "digest"), "sha256"), "subject digest"));
                }).ToList();
                return new InTotoStatement(resources[0].Name, null, predicateType,
                    new ModelManifest(new Serialization(Serialization.Files, Serialization.Sha256, false, [], null), resources));
            }

            if (subjects.GetArrayLength() != 1)
            {
                throw Malformed("an OMS v1.0 statement has exactly one subject");
            }

            var subject = Object(subjects[0], "subject");
            var subjectDigest = Hex(String(Object(Required(subject, "digest"), "digest"), "sha256"), "subject digest");
            var predicate = Object(Required(root, "predicate"), "predicate");
            return new InTotoStatement(String(subject, "name"), subjectDigest, predicateType,
                new ModelManifest(ParseSerialization(Object(Required(predicate, "serialization"), "serialization")), ParseResources(predicate)));
        }
        catch (JsonException ex)
        {
            throw Malformed($"the DSSE payload is not valid JSON ({ex.Message})");
        }
    }

    private static Serialization ParseSerialization(JsonElement s)
    {
        var method = String(s, "method");
        var hashType = String(s, "hash_type");
        var allowSymlinks = s.TryGetProperty("allow_symlinks", out var links) && links.ValueKind switch
        {
            JsonValueKind.True => true,
            JsonValueKind.False => false,
            _ => throw Malformed("serialization.allow_symlinks must be a boolean"),
        };
        var ignore = new List<string>();
        if (s.TryGetProperty("ignore_paths", out var paths) && paths.ValueKind != JsonValueKind.Null)
        {
            if (paths.ValueKind != JsonValueKind.Array)
            {
                throw Malformed("serialization.ignore_paths must be an array of strings");
            }

            ignore.AddRange(paths.EnumerateArray().Select(p => Text(p, "each of serialization.ignore_paths")));
        }

        long? shardSize = null;
        if (s.TryGetProperty("shard_size", out var size) && size.ValueKind != JsonValueKind.Null)
        {
            // The reference implementation may write the size as a float such as 8.0.
            if (size.ValueKind != JsonValueKind.Number || !size.TryGetDouble(out var d) || d < 1 || d > long.MaxValue / 2 || d != Math.Floor(d))
            {
                throw Malformed("serialization.shard_size must be a positive whole number");
            }

            shardSize = (long)d;
        }

        if (method == Serialization.Shards && shardSize is null)
        {
            throw Malformed("shards serialization without shard_size");
        }

        return new Serialization(method, hashType, allowSymlinks, ignore, shardSize);
    }

    private static List<ResourceDigest> ParseResources(JsonElement predicate)
    {
        var list = Required(predicate, "resources");
        if (list.ValueKind != JsonValueKind.Array)
        {
            throw Malformed("predicate.resources must be an array");
        }

        return list.EnumerateArray().Select(r =>
        {
            Object(r, "resource");
            return new ResourceDigest(String(r, "name"), String(r, "algorithm"), Hex(String(r, "digest"), "resource digest"));
        }).ToList();
    }

    private static byte[] Hex(string text, string what)
    {
        try
        {
            return text.Length == 64 ? Convert.FromHexString(text) : throw Malformed($"{what} '{text}' is not 64 hex digits");
        }
        catch (FormatException)
        {
            throw Malformed($"{what} '{text}' is not hex");
        }
    }
}
