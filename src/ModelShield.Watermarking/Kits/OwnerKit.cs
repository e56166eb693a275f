using System.Security.Cryptography;
using System.Text;
using System.Text.Json;
using System.Text.Json.Nodes;
using System.Text.Json.Serialization;

namespace ModelShield.Watermarking.Kits;

/// <summary>
/// An owner's secrets for protecting models: a master key from which every scheme derives its own keys,
/// and one entry per protection recorded (a weight watermark, a trigger set, a fingerprint). Entries are
/// only ever added, never changed or removed, so that a kit keeps proof of everything it ever did.
/// </summary>
public sealed class OwnerKit
{
    // Reading is strict: a missing or null field, or a property named twice, makes the kit malformed (MS7001) instead
    // of an entry that fails later wherever it is used.
    internal static readonly JsonSerializerOptions Json = new()
    {
        PropertyNamingPolicy = JsonNamingPolicy.CamelCase,
        DefaultIgnoreCondition = JsonIgnoreCondition.WhenWritingNull,
        RespectNullableAnnotations = true,
        RespectRequiredConstructorParameters = true,
        AllowDuplicateProperties = false,
    };

    private readonly List<KitEntry> _entries;

    internal OwnerKit(string kitId, DateTimeOffset createdUtc, byte[] masterKey, List<KitEntry> entries)
    {
        KitId = kitId;
        CreatedUtc = createdUtc;
        MasterKey = masterKey;
        _entries = entries;
    }

    /// <summary>A random identifier, shown by <c>kit show</c>.</summary>
    public string KitId { get; }

    /// <summary>When the kit was made.</summary>
    public DateTimeOffset CreatedUtc { get; }

    /// <summary>The master secret (32 random bytes). Never shown, logged or returned.</summary>
    internal byte[] MasterKey { get; }

    /// <summary>The recorded protections, oldest first.</summary>
    public IReadOnlyList<KitEntry> Entries => _entries;

    /// <summary>Makes a new kit with a fresh random master key.</summary>
    public static OwnerKit CreateNew() =>
        new(Guid.NewGuid().ToString("D"), DateTimeOffset.UtcNow, RandomNumberGenerator.GetBytes(32), []);

    /// <summary>Adds an entry. Entries are append-only.</summary>
    public void Add(KitEntry entry)
    {
        ArgumentNullException.ThrowIfNull(entry);
        _entries.Add(entry);
    }

    /// <summary>The kit as the JSON document that is encrypted in the kit file.</summary>
    internal KitDocument ToDocument() => new(KitId, CreatedUtc, MasterKey, [.. _entries]);

    internal static OwnerKit FromDocument(KitDocument document) =>
        new(document.KitId, document.CreatedUtc, document.MasterKey, [.. document.Entries]);

    /// <summary>
    /// Derives a key for one purpose (e.g. "weights/v1" plus a salt) from the master key, so that schemes never
    /// share key material: HMAC-SHA256(master, purpose).
    /// </summary>
    public byte[] DeriveKey(string purpose)
    {
        ArgumentNullException.ThrowIfNull(purpose);
        return HMACSHA256.HashData(MasterKey, Encoding.UTF8.GetBytes(purpose));
    }

    /// <summary>
    /// The SHA-256 commitment to the given entries (lowercase hex): a digest over their canonical JSON, in order.
    /// Publishing or signing it at release proves later that these secrets existed then.
    /// </summary>
    public static string Commitment(IEnumerable<KitEntry> entries)
    {
        using var sha = IncrementalHash.CreateHash(HashAlgorithmName.SHA256);
        foreach (var entry in entries)
        {
            var bytes = JsonSerializer.SerializeToUtf8Bytes(entry, Json);
            sha.AppendData(BitConverter.GetBytes((long)bytes.Length));
            sha.AppendData(bytes);
        }

        return Convert.ToHexStringLower(sha.GetHashAndReset());
    }
}

/// <summary>One recorded protection.</summary>
/// <param name="Id">A random identifier.</param>
/// <param name="Scheme">The scheme's stable id, e.g. "weights".</param>
/// <param name="CreatedUtc">When it was recorded.</param>
/// <param name="ModelSha256">SHA-256 of the protected model file as written.</param>
/// <param name="Summary">What may be shown about it (bits, tensors...): never secret.</param>
/// <param name="Secret">What detection needs (payload, positions' seed...): secret.</param>
public sealed record KitEntry(string Id, string Scheme, DateTimeOffset CreatedUtc, string ModelSha256, JsonObject Summary, JsonObject Secret);

/// <summary>The serialized form of a kit (inside the encryption).</summary>
internal sealed record KitDocument(string KitId, DateTimeOffset CreatedUtc, byte[] MasterKey, List<KitEntry> Entries);
