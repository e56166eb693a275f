using ModelShield.Errors;
using ModelShield.IO;

namespace ModelShield.Signing.Hashing;

/// <summary>A model path as the user gave it, resolved: a single file or a folder, and where its signature goes by default.</summary>
internal sealed record ModelLocation(string FullPath, bool IsFile)
{
    public const string DefaultSignatureName = "model.sig";

    /// <summary>The folder relative names start from: the folder itself, or a single file's folder.</summary>
    public string RootFolder => IsFile ? Path.GetDirectoryName(FullPath)! : FullPath;

    /// <summary>The model's name for the statement subject.</summary>
    public string Name => Path.GetFileName(FullPath.TrimEnd(Path.DirectorySeparatorChar));

    public string DefaultSignaturePath => Path.Combine(RootFolder, DefaultSignatureName);

    public static ModelLocation Resolve(string path)
    {
        var full = Path.TrimEndingDirectorySeparator(Path.GetFullPath(path));
        if (Directory.Exists(full))
        {
            return new ModelLocation(full, false);
        }

        return File.Exists(full)
            ? new ModelLocation(full, true)
            : throw new ModelShieldException(ErrorCodes.PathNotFound, $"Model path '{path}' does not exist.");
    }

    /// <summary>
    /// Turns paths as the shell sees them (absolute, or relative to the current folder) into names relative to
    /// the model root; a path outside the model is an error.
    /// </summary>
    public IReadOnlyList<string> RelativeNames(IEnumerable<string> shellPaths) => shellPaths.Select(p =>
    {
        var full = Path.TrimEndingDirectorySeparator(Path.GetFullPath(p));
        if (IsFile || full == RootFolder || !SafePath.IsWithin(RootFolder, full))
        {
            throw new ModelShieldException(ErrorCodes.SigningArgumentInvalid, $"Ignored path '{p}' does not lie inside the model folder '{RootFolder}'.");
        }

        return Path.GetRelativePath(RootFolder, full).Replace(Path.DirectorySeparatorChar, '/');
    }).ToList();
}
