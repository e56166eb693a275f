using System.Text.Json;
using System.Text.Json.Serialization;
using ModelShield.Errors;

namespace ModelShield.Training.Zoo;

/// <summary>The zoo's manifest (manifest.json): every model with its lineage and test accuracy. Rewritten atomically after each model, so a stopped build resumes.</summary>
internal sealed class ZooManifest
{
    public const string FormatId = "modelshield.lab.zoo/v1";
    public const string FileName = "manifest.json";

    private static readonly JsonSerializerOptions Options = new()
    {
        WriteIndented = true,
        PropertyNamingPolicy = JsonNamingPolicy.CamelCase,
        DefaultIgnoreCondition = JsonIgnoreCondition.WhenWritingNull,
    };

    public string Format { get; set; } = FormatId;

    public string Profile { get; set; } = "";

    public ZooData Data { get; set; } = new();

    public List<ZooEntry> Models { get; set; } = [];

    /// <summary>Seconds the last build run took (cached models cost nothing).</summary>
    public double LastBuildSeconds { get; set; }

    public static ZooManifest? Read(string folder)
    {
        var path = Path.Combine(folder, FileName);
        if (!File.Exists(path))
        {
            return null;
        }

        try
        {
            var manifest = JsonSerializer.Deserialize<ZooManifest>(File.ReadAllText(path), Options);
            return manifest?.Format == FormatId ? manifest : throw new JsonException($"format is '{manifest?.Format}', not {FormatId}");
        }
        catch (JsonException ex)
        {
            throw new ModelShieldException(ErrorCodes.MalformedZoo, $"'{path}' is not a zoo manifest ({ex.Message}); remove it or choose another folder.", ex);
        }
    }

    public void Write(string folder) => IO.AtomicFile.WriteAllText(Path.Combine(folder, FileName), JsonSerializer.Serialize(this, Options), overwrite: true);
}

/// <summary>The data the zoo's models were trained and measured on.</summary>
internal sealed class ZooData
{
    public string Folder { get; set; } = "";

    public int OwnerImages { get; set; }

    public int AttackerImages { get; set; }

    public int TestImages { get; set; }
}

/// <summary>
/// One model: id, file (relative to the zoo), role (owner, negative, positive), lineage (<c>owner</c>,
/// <c>independent</c>, or the attack chain), the owner it came from, the recipe that made it (the cache key),
/// its test accuracy, and the file's SHA-256.
/// </summary>
internal sealed class ZooEntry
{
    public string Id { get; set; } = "";

    public string Path { get; set; } = "";

    public string Role { get; set; } = "";

    public string Lineage { get; set; } = "";

    public string? Owner { get; set; }

    public string Recipe { get; set; } = "";

    public string? Architecture { get; set; }

    public double TestAccuracy { get; set; }

    /// <summary>Positives: accuracy minus the owner's.</summary>
    public double? AccuracyChange { get; set; }

    /// <summary>Positives: whether the copy keeps accuracy within 5 points of its owner (an attack counts only then).</summary>
    public bool? Counts { get; set; }

    public string Sha256 { get; set; } = "";

    public double Seconds { get; set; }
}
