using System.Globalization;
using Cocona;
using ModelShield.Cli.Output;
using ModelShield.Errors;
using ModelShield.Signing;

namespace ModelShield.Cli.Commands;

/// <summary><c>modelshield sign</c> and <c>modelshield verify</c>: OMS v1.0 model signatures.</summary>
internal sealed class SigningCommands(CliOutput cli)
{
    [Command("sign", Description =
        "Sign every file of a model (a file or a folder) into an OpenSSF Model Signing bundle (model.sig).\n" +
        "Example: modelshield sign models/cnn --key release.key.pem --cert release.pem --chain intermediate.pem")]
    public int Sign(
        [Argument(Description = "The model file or folder to sign")] string modelPath,
        [Option(Description = "EC private key (PEM; P-256, P-384 or P-521)")] string key,
        [Option(Description = "File holding the private key's passphrase")] string? keyPassphraseFile = null,
        [Option(Description = "Signing certificate (PEM); selects the certificate method")] string? cert = null,
        [Option(Description = "Intermediate certificates (PEM) to embed")] string[]? chain = null,
        [Option('o', Description = "Where to write the bundle (default: model.sig in the model folder)")] string? output = null,
        [Option(Description = "A path inside the model to leave out")] string[]? ignore = null,
        [Option(Description = "Hash large files in parallel parts (OMS shards serialization)")] bool shards = false,
        [Option(Description = "Also write a detached CMS signature (SIG.p7s); needs --cert")] bool cms = false,
        [Option(Description = "RFC 3161 timestamp authority URL for the CMS signature")] string? timestampUrl = null,
        [Option(Description = "Replace existing outputs")] bool force = false,
        [Option(Description = "Print one JSON document")] bool json = false)
    {
        _ = json; // read by CliOutput, which serves every command
        var passphrase = keyPassphraseFile is null ? null : ReadPassphrase(keyPassphraseFile);
        using var privateKey = SigningKeys.LoadPrivateKey(key, passphrase);
        var certificate = cert is null ? null : SigningKeys.LoadCertificates(cert)[0];
        var result = ModelSigner.Sign(new SignRequest
        {
            ModelPath = modelPath,
            PrivateKey = privateKey,
            Certificate = certificate,
            Chain = (chain ?? []).SelectMany(c => SigningKeys.LoadCertificates(c)).ToList(),
            OutputPath = output,
            IgnorePaths = ignore ?? [],
            Shards = shards,
            Cms = cms,
            TimestampAuthority = timestampUrl is null ? null : ParseUrl(timestampUrl),
            Force = force,
        });
        cli.Result(result, w =>
        {
            w.WriteLine($"Signed       {result.Files} files, {result.Bytes.ToString("N0", CultureInfo.InvariantCulture)} bytes ({result.Serialization}, {result.Resources} resources)");
            w.WriteLine($"Method       {result.Method.ToString().ToLowerInvariant()}");
            w.WriteLine($"Subject      sha256:{result.SubjectDigest}");
            w.WriteLine($"Signature    {result.SignaturePath}");
            if (result.CmsPath is not null)
            {
                w.WriteLine($"CMS          {result.CmsPath}");
            }
        });
        return CliApp.ExitOk;
    }

    [Command("verify", Description =
        "Verify a model against its signature: exit 0 when everything holds, 1 for any verdict against it.\n" +
        "Example: modelshield verify models/cnn --public-key release.pub.pem")]
    public int Verify(
        [Argument(Description = "The model file or folder to verify")] string modelPath,
        [Option(Description = "The bundle (default: model.sig where sign puts it)")] string? signature = null,
        [Option(Description = "Trusted EC public key (PEM): key method")] string? publicKey = null,
        [Option(Description = "Trusted root certificate (PEM): certificate method")] string[]? trustRoot = null,
        [Option(Description = "Trust policy (JSON, docs/trust-policy.md)")] string? policy = null,
        [Option(Description = "A path inside the model to leave out")] string[]? ignore = null,
        [Option(Description = "Tolerate files the signature does not cover")] bool ignoreUnsignedFiles = false,
        [Option(Description = "Print one JSON document")] bool json = false)
    {
        _ = json;
        var trust = Trust(publicKey, trustRoot, policy)
            ?? throw new ModelShieldException(ErrorCodes.BadUsage, "Give exactly one of --public-key, --trust-root or --policy.");
        var result = ModelVerifier.Verify(new VerifyRequest
        {
            ModelPath = modelPath,
            SignaturePath = signature,
            Policy = trust,
            IgnorePaths = ignore ?? [],
            IgnoreUnsignedFiles = ignoreUnsignedFiles,
        });
        cli.Result(result, w => Render(w, result));
        return result.Verified ? CliApp.ExitOk : CliApp.ExitVerdictAgainst;
    }

    private static void Render(TextWriter w, VerificationResult r)
    {
        w.WriteLine($"Verdict      {(r.Verified ? "VERIFIED" : "FAILED")}");
        w.WriteLine($"Model        {r.ModelPath}");
        w.WriteLine($"Signature    {r.SignaturePath}");
        if (r.Method is { } method)
        {
            w.WriteLine($"Method       {method.ToString().ToLowerInvariant()} ({r.Serialization}, {r.ResourceCount} resources, {r.FilesVerified} files verified)");
        }

        if (r.Signer is not null)
        {
            w.WriteLine($"Signer       {r.Signer}");
        }

        if (r.SignedAt is { } at)
        {
            w.WriteLine($"Signed at    {at.ToString("u", CultureInfo.InvariantCulture)} (RFC 3161 timestamp by {r.TimestampAuthority})");
        }

        if (r.Issues.Count > 0)
        {
            TextTable.Write(w, ["code", "path", "problem"], r.Issues.Select(i => (IReadOnlyList<string>)[i.Code, i.Path ?? "", i.Message]));
        }
    }

    /// <summary>The trust --public-key, --trust-root or --policy give (exactly one); null when none is given.</summary>
    internal static TrustPolicy? Trust(string? publicKey, string[]? trustRoot, string? policy)
    {
        var given = (publicKey is null ? 0 : 1) + (trustRoot is { Length: > 0 } ? 1 : 0) + (policy is null ? 0 : 1);
        if (given > 1)
        {
            throw new ModelShieldException(ErrorCodes.BadUsage, "Give only one of --public-key, --trust-root or --policy.");
        }

        return publicKey is not null ? TrustPolicy.ForPublicKeys([SigningKeys.LoadPublicKey(publicKey)])
            : policy is not null ? TrustPolicy.Load(policy)
            : trustRoot is { Length: > 0 } ? TrustPolicy.ForRoots(trustRoot.SelectMany(r => SigningKeys.LoadCertificates(r)))
            : null;
    }

    internal static string ReadPassphrase(string path)
    {
        try
        {
            return File.ReadAllText(path).TrimEnd('\r', '\n');
        }
        catch (Exception ex) when (ex is IOException or UnauthorizedAccessException)
        {
            throw new ModelShieldException(ErrorCodes.PathNotFound, $"Cannot read passphrase file '{path}': {ex.Message}", ex);
        }
    }

    internal static Uri ParseUrl(string url) =>
        Uri.TryCreate(url, UriKind.Absolute, out var uri) && uri.Scheme is "http" or "https"
            ? uri
            : throw new ModelShieldException(ErrorCodes.BadUsage, $"'{url}' is not an http(s) URL.");
}
