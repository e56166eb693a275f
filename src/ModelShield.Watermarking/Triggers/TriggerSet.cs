using ModelShield.Errors;
using ModelShield.Watermarking.Weights;

namespace ModelShield.Watermarking.Triggers;

/// <summary>
/// A secret trigger set: out-of-distribution inputs with keyed labels, regenerated from the kit's key
/// (never stored in the model). Inputs are in [0, 1], laid out [count, ..shape].
/// </summary>
public sealed class TriggerSet
{
    /// <summary>The most values a set's inputs may hold together (512 MiB of floats; 100,000 images of 28 x 28 take 78 M).</summary>
    public const int MaxInputValues = 1 << 27;

    /// <summary>Kinds of trigger images.</summary>
    public static readonly IReadOnlyList<string> Kinds = ["noise", "patterns"];

    private TriggerSet(string kind, int[] shape, float[] inputs, int[] labels)
    {
        Kind = kind;
        Shape = shape;
        Inputs = inputs;
        Labels = labels;
    }

    /// <summary>"noise" (keyed uniform pixels) or "patterns" (keyed bars, blocks and stripes).</summary>
    public string Kind { get; }

    /// <summary>Shape of one input, without the batch dimension (e.g. [1, 28, 28]).</summary>
    public IReadOnlyList<int> Shape { get; }

    /// <summary>All inputs, one after another.</summary>
    public float[] Inputs { get; }

    /// <summary>The label the owner's model is taught for each input.</summary>
    public int[] Labels { get; }

    /// <summary>Number of triggers.</summary>
    public int Count => Labels.Length;

    /// <summary>Values per input.</summary>
    public int InputSize => Inputs.Length / Math.Max(1, Count);

    /// <summary>
    /// Generates <paramref name="count"/> triggers of <paramref name="kind"/> for a classifier of
    /// <paramref name="classes"/> classes and inputs of <paramref name="shape"/>, from <paramref name="key"/>.
    /// Labels are uniform over the classes and independent of the inputs, so a model that never saw the set
    /// matches each label with probability exactly 1 / classes.
    /// </summary>
    public static TriggerSet Generate(byte[] key, string kind, int count, IReadOnlyList<int> shape, int classes)
    {
        ArgumentNullException.ThrowIfNull(key);
        ArgumentNullException.ThrowIfNull(shape);
        if (!Kinds.Contains(kind))
        {
            throw new ModelShieldException(ErrorCodes.BadUsage, $"Unknown trigger kind '{kind}'; known: {string.Join(", ", Kinds)}.");
        }

        if (count is < 1 or > 100_000 || classes < 2 || shape.Count == 0 || shape.Any(d => d < 1))
        {
            throw new ModelShieldException(ErrorCodes.BadUsage, $"Cannot make {count} triggers of shape [{string.Join(", ", shape)}] for {classes} classes.");
        }

        // In long arithmetic and held just past the bound, so that no shape can wrap the product.
        var product = shape.Aggregate(1L, (a, b) => Math.Min(a * b, MaxInputValues + 1L));
        if (count * product > MaxInputValues)
        {
            throw new ModelShieldException(ErrorCodes.BadUsage, $"{count} triggers of shape [{string.Join(", ", shape)}] hold more than {MaxInputValues} values.");
        }

        var size = (int)product;
        var inputs = new float[count * size];
        var labels = new int[count];
        using var labelStream = new KeyedStream(key, "triggers/v1/labels");
        using var pixelStream = new KeyedStream(key, $"triggers/v1/{kind}");
        for (var i = 0; i < count; i++)
        {
            labels[i] = (int)(labelStream.Next() % (uint)classes);
            var image = inputs.AsSpan(i * size, size);
            if (kind == "noise")
            {
                Noise(pixelStream, image);
            }
            else
            {
                Patterns(pixelStream, image, shape);
            }
        }

        return new TriggerSet(kind, [.. shape], inputs, labels);
    }

    private static void Noise(KeyedStream stream, Span<float> image)
    {
        for (var p = 0; p < image.Length; p++)
        {
            image[p] = (stream.Next() >> 8) / (float)(1 << 24);
        }
    }

    /// <summary>A few keyed shapes (filled rectangles and stripes) at keyed intensities on a keyed background.</summary>
    private static void Patterns(KeyedStream stream, Span<float> image, IReadOnlyList<int> shape)
    {
        var height = shape.Count >= 2 ? shape[^2] : 1;
        var width = shape[^1];
        var planes = image.Length / (height * width);
        image.Fill(Unit(stream) * 0.3f);
        var shapes = 2 + (int)(stream.Next() % 4);
        for (var s = 0; s < shapes; s++)
        {
            var intensity = 0.4f + (0.6f * Unit(stream));
            var top = (int)(stream.Next() % (uint)height);
            var left = (int)(stream.Next() % (uint)width);
            var bottom = Math.Min(height, top + 2 + (int)(stream.Next() % (uint)Math.Max(1, height / 2)));
            var right = Math.Min(width, left + 2 + (int)(stream.Next() % (uint)Math.Max(1, width / 2)));
            var stripe = 1 + (int)(stream.Next() % 3); // 1: solid; 2, 3: every second or third row
            for (var plane = 0; plane < planes; plane++)
            {
                for (var y = top; y < bottom; y++)
                {
                    if ((y - top) % stripe != 0)
                    {
                        continue;
                    }

                    for (var x = left; x < right; x++)
                    {
                        image[(plane * height * width) + (y * width) + x] = intensity;
                    }
                }
            }
        }
    }

    private static float Unit(KeyedStream stream) => (stream.Next() >> 8) / (float)(1 << 24);
}
