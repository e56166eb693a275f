using ModelShield.Errors;

namespace ModelShield.IO;

/// <summary>
/// Resolves a relative location (as found inside a model or a bundle) within a root folder,
/// refusing anything that could read elsewhere: absolute or drive paths, <c>..</c> segments,
/// backslashes, NUL characters, and symbolic links anywhere along the way that lead out of the root.
/// </summary>
public static class SafePath
{
    /// <summary>
    /// Returns the full path of <paramref name="relative"/> inside <paramref name="root"/>, or throws
    /// <see cref="ModelShieldException"/> with <paramref name="errorCode"/> naming <paramref name="what"/>.
    /// </summary>
    public static string ResolveInside(string root, string relative, string what, string errorCode)
    {
        ArgumentNullException.ThrowIfNull(root);
        ArgumentNullException.ThrowIfNull(relative);
        var reason = WhyUnsafe(relative);
        if (reason is not null)
        {
            throw new ModelShieldException(errorCode, $"{what}: location '{relative}' is refused: {reason}.");
        }

        var rootFull = Path.GetFullPath(root);
        var rootReal = RealPath(rootFull);
        var candidate = Path.GetFullPath(Path.Combine(rootFull, relative));
        if (!IsWithin(rootFull, candidate))
        {
            throw new ModelShieldException(errorCode, $"{what}: location '{relative}' leaves the model folder.");
        }

        // Follow every link along the path: each step must stay under the real root.
        var real = RealPath(candidate);
        if (!IsWithin(rootReal, real))
        {
            throw new ModelShieldException(errorCode, $"{what}: location '{relative}' is a symbolic link leading out of the model folder.");
        }

        return real;
    }

    /// <summary>Explains why a relative location is unacceptable, or returns null when it is acceptable.</summary>
    public static string? WhyUnsafe(string relative)
    {
        if (relative.Length == 0)
        {
            return "it is empty";
        }

        if (relative.Contains('\0', StringComparison.Ordinal))
        {
            return "it contains a NUL character";
        }

        if (relative.Contains('\\', StringComparison.Ordinal))
        {
            return "it contains a backslash";
        }

        if (relative.StartsWith('/') || (relative.Length >= 2 && relative[1] == ':' && char.IsAsciiLetter(relative[0])))
        {
            return "it is an absolute path";
        }

        foreach (var segment in relative.Split('/'))
        {
            if (segment == "..")
            {
                return "it contains '..'";
            }
        }

        return null;
    }

    /// <summary>True when <paramref name="path"/> is <paramref name="root"/> or lies below it.</summary>
    public static bool IsWithin(string root, string path)
    {
        var r = Path.TrimEndingDirectorySeparator(root);
        return path.Equals(r, StringComparison.Ordinal)
            || path.StartsWith(r + Path.DirectorySeparatorChar, StringComparison.Ordinal);
    }

    /// <summary>The path with every symbolic link along it resolved (the path need not exist past its last existing part).</summary>
    public static string RealPath(string fullPath)
    {
        var full = Path.GetFullPath(fullPath);
        var rootOfPath = Path.GetPathRoot(full) ?? "/";
        var current = rootOfPath;
        var parts = full[rootOfPath.Length..].Split(Path.DirectorySeparatorChar, StringSplitOptions.RemoveEmptyEntries);
        for (var i = 0; i < parts.Length; i++)
        {
            var next = Path.Combine(current, parts[i]);
            FileSystemInfo info = Directory.Exists(next) ? new DirectoryInfo(next) : new FileInfo(next);
            if (info.Exists && info.LinkTarget is not null)
            {
                var target = info.ResolveLinkTarget(returnFinalTarget: true);
                next = target is null ? next : RealPath(target.FullName);
            }
            else if (!info.Exists)
            {
                return Path.Combine([next, .. parts[(i + 1)..]]);
            }

            current = next;
        }

        return current;
    }
}
