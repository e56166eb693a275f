using TorchSharp;
using static TorchSharp.torch;

namespace ModelShield.Training.Data;

/// <summary>
/// Grey-scale images with class labels, kept as bytes (0-255) in memory; <see cref="ImagesTensor"/>
/// gives them as the float input the lab's models take: [N, 1, height, width] scaled to [0, 1].
/// </summary>
internal sealed class ImageSet
{
    public ImageSet(byte[] pixels, byte[] labels, int height, int width)
    {
        if (pixels.Length != labels.Length * height * width)
        {
            throw new ArgumentException($"{labels.Length} labels need {labels.Length * height * width} pixels, not {pixels.Length}.", nameof(pixels));
        }

        Pixels = pixels;
        Labels = labels;
        Height = height;
        Width = width;
    }

    public byte[] Pixels { get; }

    public byte[] Labels { get; }

    public int Height { get; }

    public int Width { get; }

    public int Count => Labels.Length;

    public int PixelsPerImage => Height * Width;

    /// <summary>The images selected by <paramref name="indices"/>, in that order.</summary>
    public ImageSet Subset(IReadOnlyList<int> indices)
    {
        var pixels = new byte[indices.Count * PixelsPerImage];
        var labels = new byte[indices.Count];
        for (var i = 0; i < indices.Count; i++)
        {
            Array.Copy(Pixels, (long)indices[i] * PixelsPerImage, pixels, (long)i * PixelsPerImage, PixelsPerImage);
            labels[i] = Labels[indices[i]];
        }

        return new ImageSet(pixels, labels, Height, Width);
    }

    /// <summary>The first <paramref name="count"/> images (all of them when there are fewer).</summary>
    public ImageSet Take(int count) => Subset(Enumerable.Range(0, Math.Min(count, Count)).ToArray());

    /// <summary>All images as a float tensor [N, 1, H, W] in [0, 1].</summary>
    public Tensor ImagesTensor()
    {
        using var bytes = torch.tensor(Pixels, dtype: ScalarType.Byte);
        // A named scalar: an implicit temporary can be finalized mid-call and divide by garbage (see PinnedScalars).
        using var levels = 255f.ToScalar();
        return bytes.to_type(ScalarType.Float32).div_(levels).reshape(Count, 1, Height, Width);
    }

    /// <summary>The labels as an int64 tensor [N].</summary>
    public Tensor LabelsTensor() => torch.tensor(Array.ConvertAll(Labels, l => (long)l), dtype: ScalarType.Int64);
}
