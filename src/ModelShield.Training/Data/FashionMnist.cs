using ModelShield.Errors;

namespace ModelShield.Training.Data;

/// <summary>
/// Finds and reads Fashion-MNIST in a data folder (DESIGN.md, CLI conventions): IDX files
/// <c>train-images-idx3-ubyte</c>, <c>train-labels-idx1-ubyte</c>, <c>t10k-images-idx3-ubyte</c>,
/// <c>t10k-labels-idx1-ubyte</c>, each optionally gzipped, or .npy pairs <c>train-images.npy</c>,
/// <c>train-labels.npy</c>, <c>t10k-images.npy</c>, <c>t10k-labels.npy</c> (images as uint8 0-255
/// or float 0-1, [N, H, W] or [N, 1, H, W]).
/// </summary>
internal static class FashionMnist
{
    /// <summary>Where Debian's dataset-fashion-mnist installs the data.</summary>
    public const string DebianFolder = "/usr/share/datasets/fashion-mnist";

    /// <summary>Environment variable naming a default data folder.</summary>
    public const string DataVariable = "MODELSHIELD_DATA";

    /// <summary>
    /// The data folder to use: <paramref name="folder"/> when given; otherwise $MODELSHIELD_DATA, then
    /// Debian's folder when installed. Throws <see cref="ErrorCodes.DataNotFound"/> when there is none.
    /// </summary>
    public static string ResolveFolder(string? folder)
    {
        if (!string.IsNullOrEmpty(folder))
        {
            if (!Directory.Exists(folder))
            {
                throw new ModelShieldException(ErrorCodes.DataNotFound, $"Data folder '{folder}' does not exist.");
            }

            return Path.GetFullPath(folder);
        }

        var fromEnvironment = Environment.GetEnvironmentVariable(DataVariable);
        if (!string.IsNullOrEmpty(fromEnvironment))
        {
            return ResolveFolder(fromEnvironment);
        }

        if (Directory.Exists(DebianFolder))
        {
            return DebianFolder;
        }

        throw new ModelShieldException(
            ErrorCodes.DataNotFound,
            $"No data folder: pass --data DIR, set {DataVariable}, or install Debian's dataset-fashion-mnist ({DebianFolder}); the sample under models/data works too.");
    }

    /// <summary>Reads the training and test sets of a data folder.</summary>
    public static (ImageSet Train, ImageSet Test) Load(string folder) => (LoadPart(folder, "train"), LoadPart(folder, "t10k"));

    /// <summary>Reads one part (<c>train</c> or <c>t10k</c>) of a data folder.</summary>
    public static ImageSet LoadPart(string folder, string part)
    {
        var idxImages = FindIdx(folder, $"{part}-images-idx3-ubyte");
        var idxLabels = FindIdx(folder, $"{part}-labels-idx1-ubyte");
        if (idxImages is not null && idxLabels is not null)
        {
            var (imageDims, pixels) = IdxFile.Read(idxImages);
            var (labelDims, labels) = IdxFile.Read(idxLabels);
            if (imageDims.Length != 3 || labelDims.Length != 1 || imageDims[0] != labelDims[0])
            {
                throw new ModelShieldException(
                    ErrorCodes.MalformedData,
                    $"'{idxImages}' ({string.Join("x", imageDims)}) and '{idxLabels}' ({string.Join("x", labelDims)}) do not form N images with N labels.");
            }

            return new ImageSet(pixels, labels, imageDims[1], imageDims[2]);
        }

        var npyImages = Path.Combine(folder, $"{part}-images.npy");
        var npyLabels = Path.Combine(folder, $"{part}-labels.npy");
        if (File.Exists(npyImages) && File.Exists(npyLabels))
        {
            return FromNpy(NpyArray.Read(npyImages), NpyArray.Read(npyLabels), npyImages);
        }

        throw new ModelShieldException(
            ErrorCodes.DataNotFound,
            $"Data folder '{folder}' has no {part} set: expected {part}-images-idx3-ubyte[.gz] and {part}-labels-idx1-ubyte[.gz], or {part}-images.npy and {part}-labels.npy.");
    }

    private static string? FindIdx(string folder, string name)
    {
        foreach (var candidate in new[] { name, name + ".gz" })
        {
            var path = Path.Combine(folder, candidate);
            if (File.Exists(path))
            {
                return path;
            }
        }

        return null;
    }

    private static ImageSet FromNpy(NpyArray images, NpyArray labels, string name)
    {
        var shape = images.Shape;
        var squeezed = shape.Length == 4 && shape[1] == 1 ? [shape[0], shape[2], shape[3]] : shape;
        if (squeezed.Length != 3 || labels.Shape.Length != 1 || labels.Shape[0] != squeezed[0])
        {
            throw new ModelShieldException(
                ErrorCodes.MalformedData,
                $"'{name}' must hold images [N, H, W] or [N, 1, H, W] with N labels; shapes are ({string.Join(", ", shape)}) and ({string.Join(", ", labels.Shape)}).");
        }

        byte[] pixels;
        if (images.Descriptor == "|u1")
        {
            pixels = images.Data;
        }
        else
        {
            var values = images.ToSingles();
            pixels = Array.ConvertAll(values, v => (byte)Math.Clamp(MathF.Round(v * 255f), 0f, 255f));
        }

        var labelValues = labels.ToSingles();
        if (labelValues.Any(l => l < 0 || l > 255 || l != MathF.Floor(l)))
        {
            throw new ModelShieldException(ErrorCodes.MalformedData, $"'{name}': labels must be whole numbers from 0 to 255.");
        }

        return new ImageSet(pixels, Array.ConvertAll(labelValues, l => (byte)l), squeezed[1], squeezed[2]);
    }
}
