using ModelShield.Errors;

namespace ModelShield.Api.Uploads;

/// <summary>A file part of an upload, streamed to the request's temporary folder.</summary>
internal sealed record UploadedFile(string PartName, string? FileName, string Path, long Length);

/// <summary>
/// One request's multipart upload: its files (on disk, in a folder of their own) and its small text fields.
/// Disposing deletes the folder; a job that takes over the upload disposes it when it ends.
/// </summary>
internal sealed class Upload(string folder, IReadOnlyDictionary<string, UploadedFile> files, IReadOnlyDictionary<string, string> fields) : IDisposable
{
    /// <summary>The request's private folder; everything of the request lives under it.</summary>
    public string Folder { get; } = folder;

    public IReadOnlyDictionary<string, UploadedFile> Files { get; } = files;

    public IReadOnlyDictionary<string, string> Fields { get; } = fields;

    /// <summary>A folder under <see cref="Folder"/> for outputs or unpacked content.</summary>
    public string Area(string name)
    {
        var path = System.IO.Path.Combine(Folder, name);
        Directory.CreateDirectory(path);
        return path;
    }

    /// <summary>The text field <paramref name="name"/>, or null when absent or blank.</summary>
    public string? Field(string name) => Fields.TryGetValue(name, out var value) && !string.IsNullOrWhiteSpace(value) ? value.Trim() : null;

    /// <summary>The text field <paramref name="name"/>, or MS1054.</summary>
    public string RequireField(string name) => Field(name)
        ?? throw new ModelShieldException(ErrorCodes.RequestMalformed, $"The form lacks the field '{name}'.");

    /// <summary>A true/false field (absent: false).</summary>
    public bool Flag(string name) => Field(name) switch
    {
        null or "false" or "0" => false,
        "true" or "1" => true,
        var other => throw new ModelShieldException(ErrorCodes.RequestMalformed, $"Field '{name}' must be true or false, not '{other}'."),
    };

    /// <summary>An integer field within [<paramref name="min"/>, <paramref name="max"/>], or <paramref name="fallback"/> when absent.</summary>
    public int Integer(string name, int fallback, int min, int max) => Field(name) switch
    {
        null => fallback,
        var text when int.TryParse(text, System.Globalization.NumberStyles.Integer, System.Globalization.CultureInfo.InvariantCulture, out var value) && value >= min && value <= max => value,
        var other => throw new ModelShieldException(ErrorCodes.RequestMalformed, $"Field '{name}' must be an integer from {min} to {max}, not '{other}'."),
    };

    /// <summary>A number field within [<paramref name="min"/>, <paramref name="max"/>], or null when absent.</summary>
    public double? Number(string name, double min, double max) => Field(name) switch
    {
        null => null,
        var text when double.TryParse(text, System.Globalization.NumberStyles.Float, System.Globalization.CultureInfo.InvariantCulture, out var value) && value >= min && value <= max => value,
        var other => throw new ModelShieldException(ErrorCodes.RequestMalformed, $"Field '{name}' must be a number from {min} to {max}, not '{other}'."),
    };

    /// <summary>A list field: items separated by commas or line breaks (absent: empty).</summary>
    public IReadOnlyList<string> List(string name) =>
        Field(name)?.Split([',', '\n'], StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries) ?? [];

    public void Dispose()
    {
        try
        {
            Directory.Delete(Folder, recursive: true);
        }
        catch (DirectoryNotFoundException)
        {
            // Already gone.
        }
    }
}
