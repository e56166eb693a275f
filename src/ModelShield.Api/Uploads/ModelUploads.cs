using ModelShield.Errors;
using ModelShield.IO;

namespace ModelShield.Api.Uploads;

/// <summary>A model received in an upload: a single file, or the folder a tar unpacked to.</summary>
internal sealed record ModelInput(string Path, bool IsFolder);

/// <summary>Turns an upload's model part into a model on disk, and finds the .onnx file operations need.</summary>
internal static class ModelUploads
{
    /// <summary>The name a single uploaded model file gets when the client sent none that is safe.</summary>
    public const string DefaultFileName = "model.onnx";

    /// <summary>
    /// Places the part <paramref name="partName"/> as a model: a tar (by name or content) is unpacked; anything else
    /// is one model file, keeping the client's file name when it is a plain, safe name (signatures name files).
    /// A tar holding one top-level folder yields that folder, as <c>tar cf m.tar cnn/</c> makes.
    /// </summary>
    public static ModelInput Prepare(Upload upload, string partName, long maxBytes)
    {
        ArgumentNullException.ThrowIfNull(upload);
        var part = Require(upload, partName);
        var fileName = part.FileName ?? "";
        var area = upload.Area(partName);
        if (fileName.EndsWith(".tar", StringComparison.OrdinalIgnoreCase) || fileName.EndsWith(".tgz", StringComparison.OrdinalIgnoreCase)
            || fileName.EndsWith(".tar.gz", StringComparison.OrdinalIgnoreCase) || TarUnpacker.LooksLikeTar(part.Path))
        {
            TarUnpacker.Unpack(part.Path, area, maxBytes);
            File.Delete(part.Path);
            var entries = Directory.GetFileSystemEntries(area);
            var root = entries.Length == 1 && Directory.Exists(entries[0]) ? entries[0] : area;
            return new ModelInput(root, IsFolder: true);
        }

        var name = Path.GetFileName(fileName);
        if (name.Length == 0 || name.StartsWith('.') || SafePath.WhyUnsafe(name) is not null)
        {
            name = DefaultFileName;
        }

        var path = Path.Combine(area, name);
        File.Move(part.Path, path);
        return new ModelInput(path, IsFolder: false);
    }

    /// <summary>
    /// The .onnx file of <paramref name="model"/>: the file itself, or in a folder the one named by
    /// <paramref name="relative"/> (the upload's <c>path</c> field), else the folder's only .onnx file.
    /// </summary>
    public static string OnnxFile(ModelInput model, string? relative)
    {
        ArgumentNullException.ThrowIfNull(model);
        if (!model.IsFolder)
        {
            return model.Path;
        }

        if (relative is not null)
        {
            return SafePath.ResolveInside(model.Path, relative, "path", ErrorCodes.ArchiveEntryUnsafe);
        }

        var found = Directory.EnumerateFiles(model.Path, "*.onnx", SearchOption.AllDirectories).Take(2).ToList();
        return found.Count == 1
            ? found[0]
            : throw new ModelShieldException(ErrorCodes.RequestMalformed,
                found.Count == 0 ? "The tar holds no .onnx file." : "The tar holds several .onnx files; name one with the field 'path'.");
    }

    /// <summary>The file part <paramref name="name"/>, or MS1054.</summary>
    public static UploadedFile Require(Upload upload, string name)
    {
        ArgumentNullException.ThrowIfNull(upload);
        return upload.Files.TryGetValue(name, out var part)
            ? part
            : throw new ModelShieldException(ErrorCodes.RequestMalformed, $"The form lacks the file part '{name}'.");
    }
}
