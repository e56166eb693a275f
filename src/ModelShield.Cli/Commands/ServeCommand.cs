using Cocona;
using Cocona.Application;
using ModelShield.Api;
using ModelShield.Cli.Output;
using ModelShield.Errors;

namespace ModelShield.Cli.Commands;

/// <summary>
/// <c>modelshield serve</c>: runs the HTTP API; <c>serve apikey</c> makes an API key; <c>serve keystore</c> puts signing
/// keys and kits into the server's key store. All the work is in <see cref="ApiHost"/>.
/// </summary>
[HasSubCommands(typeof(ServeKeyStoreCommands), "keystore", Description = "The server's key store: add-key, add-kit, list")]
internal sealed class ServeCommand(CliOutput cli, ICoconaAppContextAccessor context)
{
    /// <summary>Runs the server (the group's description, in CommandRegistry, carries the help text).</summary>
    [PrimaryCommand]
    public async Task<int> Serve(
        [Option(Description = "Addresses to listen on (semicolon-separated)")] string urls = ApiHost.DefaultUrls,
        [Option(Description = "The server configuration (JSON); relative paths in it are resolved against its folder")] string? config = null)
    {
        cli.Progress($"ModelShield API on {urls} (Ctrl+C stops it)");
        await ApiHost.RunAsync(urls, config, context.Current?.CancellationToken ?? CancellationToken.None).ConfigureAwait(false);
        return CliApp.ExitOk;
    }

    [Command("apikey", Description =
        "Make an API key: prints the key once (give it to the client) and the configuration entry holding only its hash.\n" +
        "Example: modelshield serve apikey --role release --name ci-pipeline")]
    public int ApiKey(
        [Option(Description = "release (sign, embed, record, protect), investigate (detect, compare, investigate) or verify")] string role,
        [Option(Description = "A name for the key (logs, rate limits)")] string name = "client",
        [Option(Description = "Print one JSON document")] bool json = false)
    {
        _ = json;
        var created = ApiHost.CreateApiKey(role, name);
        cli.Result(created, w =>
        {
            w.WriteLine($"API key      {created.Key}");
            w.WriteLine("             (shown once; the server keeps only its hash)");
            w.WriteLine($"Config entry {created.ConfigEntry}");
            w.WriteLine("             (add it to Api:ApiKeys in the server configuration)");
        });
        return CliApp.ExitOk;
    }
}

/// <summary><c>modelshield serve keystore add-key|add-kit|list</c>: the operator's side of the key store.</summary>
internal sealed class ServeKeyStoreCommands(CliOutput cli)
{
    [Command("add-key", Description =
        "Add an EC signing key (and its certificate chain) to the key store; clients sign with it by id.\n" +
        "Example: modelshield serve keystore add-key --config modelshield-api.json --id release --key release.key.pem")]
    public int AddKey(
        [Option(Description = "The server configuration")] string config,
        [Option(Description = "The id clients name the key by")] string id,
        [Option(Description = "EC private key (PEM)")] string key,
        [Option(Description = "File holding the private key's passphrase")] string? keyPassphraseFile = null,
        [Option(Description = "Signing certificate (PEM): the key then signs with the certificate method")] string? cert = null,
        [Option(Description = "Intermediate certificates (PEM)")] string[]? chain = null,
        [Option(Description = "Replace an entry with the same id")] bool force = false)
    {
        string? passphrase = null;
        if (keyPassphraseFile is not null)
        {
            try
            {
                passphrase = File.ReadAllText(keyPassphraseFile).TrimEnd('\r', '\n');
            }
            catch (Exception ex) when (ex is IOException or UnauthorizedAccessException)
            {
                throw new ModelShieldException(ErrorCodes.PathNotFound, $"Cannot read passphrase file '{keyPassphraseFile}': {ex.Message}", ex);
            }
        }

        ApiHost.AddSigningKey(config, id, key, passphrase, cert, chain ?? [], force);
        cli.Progress($"Added signing key '{id}' to the key store.");
        return CliApp.ExitOk;
    }

    [Command("add-kit", Description =
        "Add an owner kit to the key store; it is re-encrypted under a key only the store holds, and the passphrase is not kept.\n" +
        "Example: modelshield serve keystore add-kit --config modelshield-api.json --id acme-cnn --kit owner.mskit --kit-key-file owner.key")]
    public int AddKit(
        [Option(Description = "The server configuration")] string config,
        [Option(Description = "The id clients name the kit by")] string id,
        [Option(Description = "The owner kit (.mskit)")] string kit,
        KitOptions kitOptions,
        [Option(Description = "Replace an entry with the same id")] bool force = false)
    {
        ArgumentNullException.ThrowIfNull(kitOptions);
        ApiHost.AddKit(config, id, kit, kitOptions.Secret(), force);
        cli.Progress($"Added kit '{id}' to the key store.");
        return CliApp.ExitOk;
    }

    [Command("list", Description = "List the key store's entries (ids and kinds, nothing secret).\nExample: modelshield serve keystore list --config modelshield-api.json")]
    public int List(
        [Option(Description = "The server configuration")] string config,
        [Option(Description = "Print one JSON document")] bool json = false)
    {
        _ = json;
        var entries = ApiHost.ListKeyStore(config);
        cli.Result(entries, w => TextTable.Write(w, ["id", "kind"], entries.Select(e => (IReadOnlyList<string>)[e.Id, e.Kind])));
        return CliApp.ExitOk;
    }
}
