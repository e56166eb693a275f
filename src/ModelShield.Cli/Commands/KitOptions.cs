using Cocona;
using ModelShield.Protection.Kits;
using ModelShield.Watermarking.Kits;

namespace ModelShield.Cli.Commands;

/// <summary>The options every command that opens a kit takes (DESIGN.md, Formats: owner kit).</summary>
internal sealed record KitOptions : ICommandParameterSet
{
    [Option(Description = "File whose first line is the kit's passphrase (else MODELSHIELD_PASSPHRASE is used)")]
    [HasDefaultValue]
    public string? PassphraseFile { get; init; }

    [Option(Description = "File holding the kit's raw 32-byte key (binary or 64 hex digits), instead of a passphrase")]
    [HasDefaultValue]
    public string? KitKeyFile { get; init; }

    public KitSecret Secret() => KitSecret.Resolve(PassphraseFile, KitKeyFile);

    public KitAccess Access(string kit) => new(kit, Secret());
}
