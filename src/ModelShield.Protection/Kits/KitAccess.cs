using ModelShield.Errors;
using ModelShield.Watermarking.Kits;

namespace ModelShield.Protection.Kits;

/// <summary>
/// An owner kit file and the secret that opens it: what every operation that reads or adds to a kit is given.
/// The secret never leaves this object except to decrypt the file.
/// </summary>
/// <param name="Path">The kit file (.mskit).</param>
/// <param name="Secret">Its passphrase or raw key.</param>
public sealed record KitAccess(string Path, KitSecret Secret)
{
    /// <summary>Reads and decrypts the kit.</summary>
    public OwnerKit Read() => KitFile.Read(Path, Secret);

    /// <summary>Adds an entry to the kit atomically, keeping everything already in it.</summary>
    public void Add(KitEntry entry) => KitFile.Update(Path, Secret, k => k.Add(entry));

    /// <summary>A record that never shows the secret, should it reach a log.</summary>
    public override string ToString() => $"kit {Path} ({Secret})";

    /// <summary>The kit's entries of one scheme (or the one whose id starts with <paramref name="idPrefix"/>); none is an error.</summary>
    internal static List<KitEntry> Entries(OwnerKit kit, string scheme, string? idPrefix, string? howToAdd = null)
    {
        var entries = kit.Entries.Where(e => e.Scheme == scheme && (idPrefix is null || e.Id.StartsWith(idPrefix, StringComparison.Ordinal))).ToList();
        return entries.Count > 0
            ? entries
            : throw new ModelShieldException(ErrorCodes.KitEntryMissing, $"The kit holds no '{scheme}' entry{(idPrefix is null ? "" : $" with id {idPrefix}")}{(howToAdd is null ? "" : $"; {howToAdd}")}.");
    }
}
