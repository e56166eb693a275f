using ModelShield.Errors;

namespace ModelShield.IO;

/// <summary>
/// Writes files so that a reader sees either the old content or the complete new content:
/// data goes to a temporary file in the same folder, is flushed to disk, then renamed over
/// the target.
/// </summary>
public static class AtomicFile
{
    /// <summary>
    /// Writes <paramref name="path"/> through <paramref name="write"/>. Fails with
    /// <see cref="ErrorCodes.OutputExists"/> when the file exists and <paramref name="overwrite"/> is false.
    /// </summary>
    public static void Write(string path, Action<Stream> write, bool overwrite = false)
    {
        ArgumentNullException.ThrowIfNull(write);
        var full = Path.GetFullPath(path);
        if (!overwrite && Path.Exists(full))
        {
            throw new ModelShieldException(ErrorCodes.OutputExists, $"Output '{path}' exists; use --force to replace it.");
        }

        var folder = Path.GetDirectoryName(full) ?? throw new ModelShieldException(ErrorCodes.IoFailure, $"'{path}' has no parent folder.");
        Directory.CreateDirectory(folder);
        var temp = Path.Combine(folder, $".{Path.GetFileName(full)}.{Guid.NewGuid():N}.tmp");
        try
        {
            using (var stream = new FileStream(temp, FileMode.CreateNew, FileAccess.Write, FileShare.None, 1 << 16))
            {
                write(stream);
                stream.Flush(flushToDisk: true);
            }

            File.Move(temp, full, overwrite);
        }
        catch (IOException ex)
        {
            throw new ModelShieldException(ErrorCodes.IoFailure, $"Cannot write '{path}': {ex.Message}", ex);
        }
        finally
        {
            if (File.Exists(temp))
            {
                File.Delete(temp);
            }
        }
    }

    /// <summary>Writes bytes atomically; see <see cref="Write(string, Action{Stream}, bool)"/>.</summary>
    public static void WriteAllBytes(string path, ReadOnlySpan<byte> bytes, bool overwrite = false)
    {
        var copy = bytes.ToArray();
        Write(path, s => s.Write(copy), overwrite);
    }

    /// <summary>Writes UTF-8 text atomically; see <see cref="Write(string, Action{Stream}, bool)"/>.</summary>
    public static void WriteAllText(string path, string text, bool overwrite = false)
    {
        var bytes = System.Text.Encoding.UTF8.GetBytes(text);
        Write(path, s => s.Write(bytes), overwrite);
    }
}
