using System.Formats.Tar;
using System.IO.Compression;
using ModelShield.Errors;
using ModelShield.IO;

namespace ModelShield.Api.Uploads;

/// <summary>
/// Unpacks a tar (or gzipped tar) of a model folder under the rules external data follows: every name relative,
/// no <c>..</c>, no absolute or drive path, no backslash, nothing that resolves outside the folder (SafePath);
/// links, devices and FIFOs are refused outright, and what the entries unpack to counts against the size limit.
/// </summary>
internal static class TarUnpacker
{
    private const int MaxEntries = 10_000;

    /// <summary>True when the file starts like a gzip stream or has a tar header's "ustar" magic.</summary>
    public static bool LooksLikeTar(string path)
    {
        var header = new byte[263];
        using var file = File.OpenRead(path);
        var read = file.ReadAtLeast(header, header.Length, throwOnEndOfStream: false);
        return (read >= 2 && header[0] == 0x1f && header[1] == 0x8b)
            || (read >= 262 && header.AsSpan(257, 5).SequenceEqual("ustar"u8));
    }

    /// <summary>Unpacks <paramref name="tarPath"/> into the empty folder <paramref name="destination"/>.</summary>
    public static void Unpack(string tarPath, string destination, long maxBytes)
    {
        using var file = File.OpenRead(tarPath);
        var gzip = file.ReadByte() == 0x1f && file.ReadByte() == 0x8b;
        file.Position = 0;
        using Stream stream = gzip ? new GZipStream(file, CompressionMode.Decompress) : file;
        using var reader = new TarReader(stream);
        long total = 0;
        var count = 0;
        try
        {
            while (reader.GetNextEntry(copyData: false) is { } entry)
            {
                if (++count > MaxEntries)
                {
                    throw new ModelShieldException(ErrorCodes.RequestMalformed, $"The tar holds more than {MaxEntries} entries.");
                }

                var name = entry.Name.TrimEnd('/');
                while (name.StartsWith("./", StringComparison.Ordinal))
                {
                    name = name[2..];
                }

                if (name is "" or "." && entry.EntryType == TarEntryType.Directory)
                {
                    continue;
                }

                switch (entry.EntryType)
                {
                    case TarEntryType.Directory:
                        var folder = Resolve(destination, name);
                        RefuseFileOnPath(entry, destination, folder);
                        Directory.CreateDirectory(folder);
                        break;
                    case TarEntryType.RegularFile or TarEntryType.V7RegularFile or TarEntryType.ContiguousFile:
                        total += entry.Length;
                        if (total > maxBytes)
                        {
                            throw new ModelShieldException(ErrorCodes.UploadTooLarge, $"The tar unpacks to more than the server's limit of {maxBytes} bytes.");
                        }

                        Extract(entry, destination, Resolve(destination, name));
                        break;
                    case TarEntryType.SymbolicLink or TarEntryType.HardLink:
                        throw new ModelShieldException(ErrorCodes.ArchiveEntryUnsafe, $"Tar entry '{entry.Name}' is a link; links are refused (replace it with the file).");
                    default:
                        throw new ModelShieldException(ErrorCodes.ArchiveEntryUnsafe, $"Tar entry '{entry.Name}' is a {entry.EntryType}; only files and folders are accepted.");
                }
            }
        }
        catch (NotSupportedException ex)
        {
            // TarReader refuses to read some entry types at all (sparse files).
            throw new ModelShieldException(ErrorCodes.ArchiveEntryUnsafe, $"The tar holds an entry of a type that is not accepted ({ex.Message}); only files and folders are.", ex);
        }
        catch (Exception ex) when (ex is InvalidDataException or EndOfStreamException or FormatException or ArgumentException or InvalidOperationException)
        {
            // TarReader reports an extended-attributes header longer than it reads as InvalidOperationException.
            throw new ModelShieldException(ErrorCodes.RequestMalformed, $"The tar is malformed: {ex.Message}", ex);
        }
    }

    /// <summary>Refuses an entry when <paramref name="folder"/>, or a folder above it, is a file an earlier entry made.</summary>
    private static void RefuseFileOnPath(TarEntry entry, string destination, string folder)
    {
        var root = SafePath.RealPath(Path.GetFullPath(destination));
        for (var p = folder; p.Length > root.Length && SafePath.IsWithin(root, p); p = Path.GetDirectoryName(p)!)
        {
            if (File.Exists(p))
            {
                throw new ModelShieldException(
                    ErrorCodes.RequestMalformed, $"Tar entry '{entry.Name}' needs '{Path.GetRelativePath(root, p)}' as a folder, but an earlier entry made it a file.");
            }
        }
    }

    private static string Resolve(string destination, string name) =>
        SafePath.ResolveInside(destination, name, "tar entry", ErrorCodes.ArchiveEntryUnsafe);

    private static void Extract(TarEntry entry, string destination, string path)
    {
        if (Path.Exists(path))
        {
            throw new ModelShieldException(ErrorCodes.RequestMalformed, $"Tar entry '{entry.Name}' appears twice.");
        }

        RefuseFileOnPath(entry, destination, Path.GetDirectoryName(path)!);
        Directory.CreateDirectory(Path.GetDirectoryName(path)!);

        using var output = new FileStream(path, FileMode.CreateNew, FileAccess.Write);
        if (entry.DataStream is { } data)
        {
            // Copy exactly the entry's declared length: a stream claiming less than it holds cannot overrun the budget.
            var buffer = new byte[1 << 16];
            var left = entry.Length;
            while (left > 0)
            {
                var read = data.Read(buffer, 0, (int)Math.Min(buffer.Length, left));
                if (read == 0)
                {
                    throw new EndOfStreamException($"tar entry '{entry.Name}' is cut short");
                }

                output.Write(buffer, 0, read);
                left -= read;
            }
        }
    }
}
