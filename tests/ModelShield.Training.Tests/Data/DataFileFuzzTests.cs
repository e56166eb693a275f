using System.IO.Compression;
using System.Text;
using System.Text.RegularExpressions;
using ModelShield.Errors;
using ModelShield.Testing.Fuzzing;
using ModelShield.Training.Data;

namespace ModelShield.Training.Tests.Data;

/// <summary>
/// Mutated IDX files (plain, gzipped before or after the mutation), .npy arrays (bytes, header length, shape) and data
/// folders of both: each reads whole and consistent (the shape's product is the number of values) or fails with
/// MS6001/MS6002, and no length field makes a reader allocate what the file does not hold.
/// </summary>
[TestClass]
public sealed partial class DataFileFuzzTests
{
    private static readonly string[] DataCodes = [ErrorCodes.DataNotFound, ErrorCodes.MalformedData];

    private static readonly string[] HostileShapes =
        ["(4294967296,)", "(65536, 65536)", "(65536, 65536, 1)", "(99999999999,)", "(-1,)", "()", "(0, 28, 28)", "(2, 2, 2, 2, 2, 2, 2, 2)", "(,)", "(1,,2)"];

    [TestMethod]
    public void Read_MutatedIdxFiles_ReadConsistentlyOrThrowDataCodes()
    {
        var folder = LabTestData.NewTempFolder();
        var plain = Idx(folder, [3, 4, 5]);

        new FuzzRun("IDX file", seed: 6001, DataCodes).Run(
            1500,
            random =>
            {
                // The IDX header: magic (its last byte counts the dims), then one big-endian int32 per dim.
                var mutant = ByteMutations.Mutate(random, plain, [0, 4, 8, 12]);
                return random.Next(3) switch
                {
                    0 => mutant with { Bytes = Gzip(mutant.Bytes), Description = $"gzip after {mutant.Description}" },
                    1 => ByteMutations.Mutate(random, Gzip(plain)) with { Description = "gzipped bytes mutated" },
                    _ => mutant,
                };
            },
            mutant =>
            {
                var path = Path.Combine(folder, mutant.Description.StartsWith("gzip", StringComparison.Ordinal) ? "m.idx.gz" : "m.idx");
                File.WriteAllBytes(path, mutant.Bytes);
                var (dims, values) = IdxFile.Read(path);
                Assert.AreEqual(dims.Aggregate(1L, (a, d) => a * d), values.LongLength, "IDX values against dims");
                return "read";
            }).AssertClean();
    }

    [TestMethod]
    public void Parse_MutatedNpyArrays_ReadConsistentlyOrThrowDataCodes()
    {
        var original = Npy(NpyArray.FromSingles([.. Enumerable.Range(0, 24).Select(i => i * 0.5f)], 2, 3, 4));

        new FuzzRun(".npy array", seed: 6002, DataCodes).Run(
            2000,
            random => random.Next(3) == 0 ? WithShape(random, original) : ByteMutations.Mutate(random, original, [8]),
            mutant =>
            {
                var array = NpyArray.Parse(mutant.Bytes, "mutant");
                var values = array.ToSingles();
                Assert.AreEqual(array.Shape.Aggregate(1L, (a, d) => a * d), values.LongLength, $"values against shape ({string.Join(", ", array.Shape)})");
                return "read";
            }).AssertClean();
    }

    [TestMethod]
    public void LoadPart_MutatedDataFolders_LoadConsistentlyOrThrowDataCodes()
    {
        var folder = LabTestData.NewTempFolder();
        var images = Idx(folder, [4, 6, 5]);
        var labels = Idx(folder, [4]);
        var npyImages = Npy(NpyArray.FromBytes(new byte[4 * 6 * 5], 4, 6, 5));
        var npyLabels = Npy(NpyArray.FromBytes([0, 1, 2, 3], 4));

        new FuzzRun("data folder", seed: 6003, DataCodes).Run(
            400,
            random =>
            {
                // One file of an IDX or a .npy pair is mutated; the name says which pair and which file.
                var npy = random.Next(2) == 0;
                var imagesMutated = random.Next(2) == 0;
                var original = (npy, imagesMutated) switch
                {
                    (true, true) => npyImages,
                    (true, false) => npyLabels,
                    (false, true) => images,
                    _ => labels,
                };
                var mutant = npy && random.Next(3) == 0 ? WithShape(random, original) : ByteMutations.Mutate(random, original, [4, 8, 12]);
                return mutant with { Description = $"{(npy ? "npy" : "idx")} {(imagesMutated ? "images" : "labels")}: {mutant.Description}" };
            },
            mutant =>
            {
                var npy = mutant.Description.StartsWith("npy", StringComparison.Ordinal);
                var part = Directory.CreateDirectory(Path.Combine(folder, npy ? "npy" : "idx")).FullName;
                var imagesMutated = mutant.Description.Contains("images", StringComparison.Ordinal);
                File.WriteAllBytes(Path.Combine(part, npy ? "t10k-images.npy" : "t10k-images-idx3-ubyte"), imagesMutated ? mutant.Bytes : npy ? npyImages : images);
                File.WriteAllBytes(Path.Combine(part, npy ? "t10k-labels.npy" : "t10k-labels-idx1-ubyte"), imagesMutated ? (npy ? npyLabels : labels) : mutant.Bytes);
                var set = FashionMnist.LoadPart(part, "t10k");
                Assert.AreEqual((long)set.Count * set.Height * set.Width, set.Pixels.LongLength, "pixels against N x H x W");
                return "loaded";
            }).AssertClean();
    }

    private static byte[] Idx(string folder, int[] dims)
    {
        var path = Path.Combine(folder, $"{string.Join("x", dims)}.idx");
        IdxFile.Write(path, dims, [.. Enumerable.Range(0, dims.Aggregate(1, (a, d) => a * d)).Select(i => (byte)(i % 10))]);
        return File.ReadAllBytes(path);
    }

    private static byte[] Npy(NpyArray array)
    {
        var path = Path.Combine(LabTestData.NewTempFolder(), "a.npy");
        array.Write(path);
        return File.ReadAllBytes(path);
    }

    private static byte[] Gzip(byte[] bytes)
    {
        using var buffer = new MemoryStream();
        using (var gzip = new GZipStream(buffer, CompressionLevel.Fastest))
        {
            gzip.Write(bytes);
        }

        return buffer.ToArray();
    }

    /// <summary>The .npy header with its shape replaced by a hostile one (the header length is kept right).</summary>
    private static Mutant WithShape(Random random, byte[] npy)
    {
        var headerLength = BitConverter.ToUInt16(npy, 8);
        var header = Encoding.ASCII.GetString(npy, 10, headerLength);
        var shape = HostileShapes[random.Next(HostileShapes.Length)];
        var replaced = ShapeValue().Replace(header, $"'shape': {shape}");
        var bytes = new List<byte>(npy[..8]);
        bytes.AddRange(BitConverter.GetBytes((ushort)replaced.Length));
        bytes.AddRange(Encoding.ASCII.GetBytes(replaced));
        bytes.AddRange(npy[(10 + headerLength)..]);
        return new Mutant([.. bytes], $"shape {shape}");
    }

    [GeneratedRegex(@"'shape': \([^)]*\)")]
    private static partial Regex ShapeValue();
}
