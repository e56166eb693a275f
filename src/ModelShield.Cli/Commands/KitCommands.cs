using System.Globalization;
using Cocona;
using ModelShield.Cli.Output;
using ModelShield.Watermarking.Kits;

namespace ModelShield.Cli.Commands;

/// <summary><c>modelshield kit new|show</c>: the owner's encrypted secrets.</summary>
internal sealed class KitCommands(CliOutput cli)
{
    [Command("new", Description =
        "Create an owner kit: a fresh master key, encrypted with AES-256-GCM under a passphrase or a raw key.\n" +
        "Example: MODELSHIELD_PASSPHRASE='correct horse battery' modelshield kit new -o owner.mskit")]
    public int New(
        [Option('o', Description = "Where to write the kit (.mskit)")] string output,
        KitOptions kit,
        [Option(Description = "Replace an existing kit (its secrets are lost)")] bool force = false,
        [Option(Description = "Print one JSON document")] bool json = false)
    {
        _ = json;
        var created = OwnerKit.CreateNew();
        var secret = kit.Secret();
        KitFile.Write(output, created, secret, force);
        var document = Describe(created, secret, output);
        cli.Result(document, w =>
        {
            w.WriteLine($"Kit          {document.Path}");
            w.WriteLine($"Id           {document.KitId}");
            w.WriteLine($"Locked with  {document.LockedWith}");
            w.WriteLine("Keep the kit and its passphrase or key safe: without them no watermark can be detected.");
        });
        return CliApp.ExitOk;
    }

    [Command("show", Description =
        "List what a kit holds (protected models, schemes, commitment), never its secrets.\n" +
        "Example: modelshield kit show owner.mskit --passphrase-file pass.txt")]
    public int Show(
        [Argument(Description = "The kit (.mskit)")] string path,
        KitOptions kit,
        [Option(Description = "Print one JSON document")] bool json = false)
    {
        _ = json;
        var secret = kit.Secret();
        var document = Describe(KitFile.Read(path, secret), secret, path);
        cli.Result(document, w =>
        {
            w.WriteLine($"Kit          {document.Path}");
            w.WriteLine($"Id           {document.KitId}");
            w.WriteLine($"Created      {document.CreatedUtc:u}");
            w.WriteLine($"Locked with  {document.LockedWith}");
            w.WriteLine($"Commitment   sha256:{document.Commitment}");
            w.WriteLine($"Entries      {document.Entries.Count}");
            if (document.Entries.Count > 0)
            {
                TextTable.Write(w, ["id", "scheme", "created", "model sha256", "summary"], document.Entries.Select(e => (IReadOnlyList<string>)
                    [e.Id[..8], e.Scheme, e.CreatedUtc.ToString("u", CultureInfo.InvariantCulture), e.ModelSha256.Length > 16 ? e.ModelSha256[..16] : e.ModelSha256, e.Summary.ToJsonString()]));
            }
        });
        return CliApp.ExitOk;
    }

    private static KitDescription Describe(OwnerKit kit, KitSecret secret, string path) => new(
        Path.GetFullPath(path),
        kit.KitId,
        kit.CreatedUtc,
        secret.ToString(),
        OwnerKit.Commitment(kit.Entries),
        kit.Entries.Select(e => new KitEntryDescription(e.Id, e.Scheme, e.CreatedUtc, e.ModelSha256, e.Summary)).ToList());

    private sealed record KitDescription(string Path, string KitId, DateTimeOffset CreatedUtc, string LockedWith, string Commitment, IReadOnlyList<KitEntryDescription> Entries);

    private sealed record KitEntryDescription(string Id, string Scheme, DateTimeOffset CreatedUtc, string ModelSha256, System.Text.Json.Nodes.JsonObject Summary);
}
