using ModelShield.Errors;

namespace ModelShield.Signing.Hashing;

/// <summary>
/// Lists the regular files of a model (one file, or every file below a folder) in ordinal name order.
/// Symbolic links are never followed: they are reported so that the caller can refuse them.
/// </summary>
internal static class ModelTree
{
    /// <summary>The files of the model at <paramref name="root"/> (a file or a folder) and the links found, both minus ignored paths.</summary>
    public static (IReadOnlyList<ModelFile> Files, IReadOnlyList<string> Symlinks) List(string root, IgnoreSet ignore)
    {
        var full = Path.GetFullPath(root);
        var files = new List<ModelFile>();
        var links = new List<string>();
        if (File.Exists(full) && !Directory.Exists(full))
        {
            var info = new FileInfo(full);
            if (info.LinkTarget is not null)
            {
                links.Add(info.Name);
            }
            else
            {
                files.Add(new ModelFile(info.Name, full, info.Length));
            }

            return (files, links);
        }

        if (!Directory.Exists(full))
        {
            throw new ModelShieldException(ErrorCodes.PathNotFound, $"Model path '{root}' does not exist.");
        }

        try
        {
            Walk(new DirectoryInfo(full), "", ignore, files, links);
        }
        catch (Exception ex) when (ex is IOException or UnauthorizedAccessException)
        {
            throw new ModelShieldException(ErrorCodes.PathNotFound, $"Cannot list '{root}': {ex.Message}", ex);
        }

        files.Sort((a, b) => string.CompareOrdinal(a.Name, b.Name));
        links.Sort(StringComparer.Ordinal);
        return (files, links);
    }

    private static void Walk(DirectoryInfo folder, string prefix, IgnoreSet ignore, List<ModelFile> files, List<string> links)
    {
        foreach (var entry in folder.EnumerateFileSystemInfos())
        {
            var name = prefix + entry.Name;
            if (ignore.IsIgnored(name))
            {
                continue;
            }

            if (entry.LinkTarget is not null)
            {
                links.Add(name);
            }
            else if (entry is DirectoryInfo sub)
            {
                Walk(sub, name + "/", ignore, files, links);
            }
            else if (entry is FileInfo file)
            {
                files.Add(new ModelFile(name, file.FullName, file.Length));
            }
        }
    }
}
