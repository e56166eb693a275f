using System.Formats.Tar;
using System.IO.Compression;

namespace ModelShield.Api.Tests.Support;

/// <summary>Tar archives built in memory, including hostile ones a real tar tool would not make.</summary>
internal static class Tars
{
    /// <summary>A tar of every file under <paramref name="folder"/>, names relative to it.</summary>
    public static byte[] OfFolder(string folder, bool gzip = false) =>
        Build(gzip, writer =>
        {
            foreach (var file in Directory.EnumerateFiles(folder, "*", SearchOption.AllDirectories).Order(StringComparer.Ordinal))
            {
                writer.WriteEntry(file, Path.GetRelativePath(folder, file).Replace(Path.DirectorySeparatorChar, '/'));
            }
        });

    /// <summary>A tar with one regular file entry named exactly <paramref name="name"/>.</summary>
    public static byte[] WithFile(string name, byte[] content) => WithFiles((name, content));

    /// <summary>A tar with regular file entries named exactly as given, in that order.</summary>
    public static byte[] WithFiles(params (string Name, byte[] Content)[] files) =>
        Build(false, writer =>
        {
            foreach (var (name, content) in files)
            {
                writer.WriteEntry(new PaxTarEntry(TarEntryType.RegularFile, name) { DataStream = new MemoryStream(content) });
            }
        });

    /// <summary>A tar with a file and then a symbolic link <paramref name="name"/> pointing at <paramref name="target"/>.</summary>
    public static byte[] WithLink(string name, string target) =>
        Build(false, writer =>
        {
            writer.WriteEntry(new PaxTarEntry(TarEntryType.RegularFile, "model.onnx") { DataStream = new MemoryStream([1, 2, 3]) });
            writer.WriteEntry(new PaxTarEntry(TarEntryType.SymbolicLink, name) { LinkName = target });
        });

    private static byte[] Build(bool gzip, Action<TarWriter> write)
    {
        using var buffer = new MemoryStream();
        using (Stream target = gzip ? new GZipStream(buffer, CompressionLevel.Fastest, leaveOpen: true) : new NonClosing(buffer))
        using (var writer = new TarWriter(target, TarEntryFormat.Pax, leaveOpen: false))
        {
            write(writer);
        }

        return buffer.ToArray();
    }

    private sealed class NonClosing(Stream inner) : Stream
    {
        public override bool CanRead => false;
        public override bool CanSeek => false;
        public override bool CanWrite => true;
        public override long Length => inner.Length;
        public override long Position { get => inner.Position; set => throw new NotSupportedException(); }
        public override void Flush() => inner.Flush();
        public override int Read(byte[] buffer, int offset, int count) => throw new NotSupportedException();
        public override long Seek(long offset, SeekOrigin origin) => throw new NotSupportedException();
        public override void SetLength(long value) => throw new NotSupportedException();
        public override void Write(byte[] buffer, int offset, int count) => inner.Write(buffer, offset, count);
    }
}
