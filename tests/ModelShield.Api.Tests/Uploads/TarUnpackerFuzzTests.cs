using System.IO.Compression;
using ModelShield.Api.Tests.Support;
using ModelShield.Api.Uploads;
using ModelShield.Errors;
using ModelShield.Testing.Files;
using ModelShield.Testing.Fuzzing;
using ModelShield.Testing.Models;

namespace ModelShield.Api.Tests.Uploads;

/// <summary>
/// Mutated tars of a model folder (header fields and PAX records rewritten with valid checksums, bytes, gzipped
/// before or after): each unpacks, or fails with MS1053/MS1054/MS1055, and nothing is ever written outside the
/// destination folder.
/// </summary>
[TestClass]
public sealed class TarUnpackerFuzzTests
{
    [TestMethod]
    public void Unpack_MutatedTars_StayInsideOrThrowUploadCodes()
    {
        using var model = new TempFolder();
        TinyModels.WriteWithExternalData(model.Path);
        File.WriteAllText(model.File("docs/card/README.md"), "a card");
        var tar = Tars.OfFolder(model.Path);
        var tgz = Tars.OfFolder(model.Path, gzip: true);
        using var sandbox = new TempFolder();
        var upload = sandbox.File("upload.tar");
        var destination = Path.Combine(sandbox.Path, "out");

        new FuzzRun("tar upload", seed: 1055, [ErrorCodes.UploadTooLarge, ErrorCodes.RequestMalformed, ErrorCodes.ArchiveEntryUnsafe]).Run(
            400,
            random => random.Next(4) switch
            {
                0 => Gzipped(TarMutations.Mutate(random, tar)),
                1 => ByteMutations.Mutate(random, tgz),
                _ => TarMutations.Mutate(random, tar),
            },
            mutant =>
            {
                if (Directory.Exists(destination))
                {
                    Directory.Delete(destination, recursive: true);
                }

                Directory.CreateDirectory(destination);
                File.WriteAllBytes(upload, mutant.Bytes);
                try
                {
                    TarUnpacker.Unpack(upload, destination, maxBytes: 1 << 20);
                    return "unpacked";
                }
                finally
                {
                    var outside = Directory.EnumerateFileSystemEntries(sandbox.Path, "*", SearchOption.AllDirectories)
                        .Where(p => p != upload && p != destination && !p.StartsWith(destination + Path.DirectorySeparatorChar, StringComparison.Ordinal));
                    Assert.IsEmpty(outside, "written outside the destination");
                    var links = Directory.EnumerateFileSystemEntries(destination, "*", SearchOption.AllDirectories).Where(p => new FileInfo(p).LinkTarget is not null);
                    Assert.IsEmpty(links, "links unpacked");
                }
            }).AssertClean();
    }

    private static Mutant Gzipped(Mutant mutant)
    {
        using var buffer = new MemoryStream();
        using (var gzip = new GZipStream(buffer, CompressionLevel.Fastest))
        {
            gzip.Write(mutant.Bytes);
        }

        return new Mutant(buffer.ToArray(), $"gzip after {mutant.Description}");
    }
}
