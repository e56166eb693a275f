namespace ModelShield.Training.Data;

/// <summary>
/// The lab's fixed data splits (DESIGN.md, The lab): the training file is shuffled with a fixed seed
/// and cut two thirds / one third into the owner's and the attacker's split (40k / 20k on the full
/// set); the test file is the test split (10k). The same folder always gives the same splits.
/// </summary>
internal sealed class LabSplits
{
    /// <summary>The seed of the owner / attacker shuffle. Never change it: models and cards depend on it.</summary>
    public const int SplitSeed = 20171;

    private LabSplits(ImageSet owner, ImageSet attacker, ImageSet test, string folder)
    {
        Owner = owner;
        Attacker = attacker;
        Test = test;
        Folder = folder;
    }

    public ImageSet Owner { get; }

    public ImageSet Attacker { get; }

    public ImageSet Test { get; }

    /// <summary>The data folder the splits were read from.</summary>
    public string Folder { get; }

    /// <summary>Reads a data folder (resolved as by <see cref="FashionMnist.ResolveFolder"/>) and splits it.</summary>
    public static LabSplits Load(string? folder)
    {
        var resolved = FashionMnist.ResolveFolder(folder);
        var (train, test) = FashionMnist.Load(resolved);
        var order = Shuffle(train.Count, SplitSeed);
        var ownerCount = train.Count * 2 / 3;
        return new LabSplits(train.Subset(order[..ownerCount]), train.Subset(order[ownerCount..]), test, resolved);
    }

    /// <summary>A permutation of 0..count-1 from a seeded Fisher-Yates shuffle (stable across .NET versions: own generator).</summary>
    internal static int[] Shuffle(int count, int seed)
    {
        var order = Enumerable.Range(0, count).ToArray();
        var state = (ulong)seed * 0x9E3779B97F4A7C15UL + 1;
        for (var i = count - 1; i > 0; i--)
        {
            // SplitMix64: a fixed generator, so the split never depends on System.Random's implementation.
            state += 0x9E3779B97F4A7C15UL;
            var z = state;
            z = (z ^ (z >> 30)) * 0xBF58476D1CE4E5B9UL;
            z = (z ^ (z >> 27)) * 0x94D049BB133111EBUL;
            z ^= z >> 31;
            var j = (int)(z % (ulong)(i + 1));
            (order[i], order[j]) = (order[j], order[i]);
        }

        return order;
    }
}
