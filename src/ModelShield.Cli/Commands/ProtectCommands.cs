using System.Globalization;
using Cocona;
using ModelShield.Cli.Output;
using ModelShield.Errors;
using ModelShield.Protection.Investigate;
using ModelShield.Protection.Protect;
using ModelShield.Protection.Reports;
using ModelShield.Signing;
using ModelShield.Training;
using ModelShield.Watermarking.Statistics;

namespace ModelShield.Cli.Commands;

/// <summary><c>modelshield protect</c> (at release) and <c>modelshield investigate</c> (when a copy turns up).</summary>
internal sealed class ProtectCommands(CliOutput cli)
{
    [Command("protect", Description =
        "Protect a model for release, in this order: a trigger set (with --data; fine-tunes), the weight watermark, a query fingerprint,\n" +
        "a model card and kit-commitment.json, then one signature over every file of OUTDIR (timestamped with --timestamp-url).\n" +
        "Example: modelshield protect models/cnn/model.onnx --kit owner.mskit --key release.key.pem --data models/data -o release/")]
    public async Task<int> Protect(
        [Argument(Description = "The model to protect (.onnx); it is never changed")] string model,
        [Option(Description = "The owner kit (.mskit); every entry of the release is added to it")] string kit,
        KitOptions kitOptions,
        [Option(Description = "EC private key (PEM) to sign the release with")] string key,
        [Option('o', Description = "The release folder to create")] string output,
        [Option(Description = "File holding the private key's passphrase")] string? keyPassphraseFile = null,
        [Option(Description = "Signing certificate (PEM); selects the certificate method")] string? cert = null,
        [Option(Description = "Intermediate certificates (PEM) to embed")] string[]? chain = null,
        [Option(Description = "Also write a detached CMS signature (model.sig.p7s); needs --cert")] bool cms = false,
        [Option(Description = "RFC 3161 timestamp authority URL for the CMS signature")] string? timestampUrl = null,
        [Option(Description = "Text the weight watermark's payload is derived from (default: the file name and date)")] string? payload = null,
        [Option(Description = "Data folder (Fashion-MNIST layout): enables the trigger set and fidelity figures; fingerprint queries come from it")] string? data = null,
        [Option(Description = "Triggers to embed when --data is given (0: none)")] int triggers = 100,
        [Option("trigger-epochs", Description = "Trigger fine-tuning epochs, the last two at a falling rate (default 7, more while a trigger is unlearned: at the full rate before the fall, at the final rate after it)")] int? triggerEpochs = null,
        [Option("trigger-lr", Description = "Trigger fine-tuning learning rate (default 0.001)")] double? triggerLr = null,
        [Option("repair-epochs", Description = "After the weight watermark, fine-tune this many epochs on --data with a penalty that keeps the mark (wins back accuracy)")] int repairEpochs = 0,
        [Option(Description = "Fingerprint queries")] int queries = 100,
        [Option("null-models", Description = "Folder of independent models (*.onnx) to calibrate the fingerprint on (default: train reference models)")] string? nullModels = null,
        [Option(Description = "Replace an existing release folder")] bool force = false,
        [Option(Description = "Print one JSON document")] bool json = false)
    {
        _ = json; // read by CliOutput, which serves every command
        var passphrase = keyPassphraseFile is null ? null : SigningCommands.ReadPassphrase(keyPassphraseFile);
        using var privateKey = SigningKeys.LoadPrivateKey(key, passphrase);
        var result = await ReleaseProtection.ProtectAsync(new ProtectRequest
        {
            ModelPath = model,
            Kit = kitOptions.Access(kit),
            SigningKey = privateKey,
            OutputFolder = output,
            Certificate = cert is null ? null : SigningKeys.LoadCertificates(cert)[0],
            Chain = (chain ?? []).SelectMany(c => SigningKeys.LoadCertificates(c)).ToList(),
            Cms = cms,
            TimestampAuthority = timestampUrl is null ? null : SigningCommands.ParseUrl(timestampUrl),
            Payload = payload,
            DataFolder = data,
            Triggers = triggers,
            TriggerEpochs = triggerEpochs,
            TriggerLearningRate = triggerLr,
            RepairEpochs = repairEpochs,
            Queries = queries,
            NullModels = nullModels,
            Force = force,
            Log = new LineProgress(cli.Progress),
        }).ConfigureAwait(false);
        cli.Result(result, w => RenderProtect(w, result));
        return CliApp.ExitOk;
    }

    [Command("investigate", Description =
        "Investigate a suspect (an .onnx file, a release folder, or an Open Inference Protocol v2 endpoint): our signed release, intact or altered?\n" +
        "the weight watermark (files), the trigger set and the fingerprint (answers); one verdict with the combined evidence. Exit 0 when the\n" +
        "suspect is shown to be ours, 1 when not. --report writes a self-contained HTML evidence report (and its JSON beside it).\n" +
        "Example: modelshield investigate suspect/model.onnx --kit owner.mskit --original models/cnn/model.onnx --public-key release.pub.pem --report evidence.html")]
    public async Task<int> Investigate(
        [Argument(Description = "The suspect model (.onnx) or its folder; or give --endpoint")] string? suspect,
        [Option(Description = "The owner kit (.mskit)")] string kit,
        KitOptions kitOptions,
        [Option(Description = "The owner's model: align the suspect's neurons to it before reading the weight watermark")] string? original = null,
        [Option(Description = "The signature bundle (default: model.sig beside the suspect)")] string? signature = null,
        [Option(Description = "Trusted EC public key (PEM) for the signature")] string? publicKey = null,
        [Option(Description = "Trusted root certificate (PEM) for the signature")] string[]? trustRoot = null,
        [Option(Description = "Trust policy (JSON, docs/trust-policy.md) for the signature")] string? policy = null,
        [Option(Description = "Open Inference Protocol v2 model URL, instead of a file (black-box tests only)")] string? endpoint = null,
        [Option(Description = "NAME=ENVVAR: a header sent to the endpoint, its value read from the variable (repeatable)")] string[]? header = null,
        [Option(Description = "Seconds one request to the endpoint may take (default 30)")] double? timeout = null,
        [Option("max-queries", Description = "Most inputs sent to the suspect by each black-box test")] long? maxQueries = null,
        [Option("null-models", Description = "Folder of independent models (*.onnx) to measure the trigger set's chance rate on")] string? nullModels = null,
        [Option(Description = "Write the HTML evidence report here (and its JSON beside it)")] string? report = null,
        [Option(Description = "Family-wise significance level, divided among the tests run")] double alpha = HypothesisTest.DefaultAlpha,
        [Option(Description = "Replace an existing report")] bool force = false,
        [Option(Description = "Print one JSON document")] bool json = false)
    {
        _ = json;
        if (alpha is <= 0 or >= 1)
        {
            throw new ModelShieldException(ErrorCodes.BadUsage, "--alpha must lie in (0, 1).");
        }

        if (report is not null && !force && File.Exists(report))
        {
            throw new ModelShieldException(ErrorCodes.OutputExists, $"Report '{report}' exists; use --force to replace it.");
        }

        var source = SuspectArguments.Create(suspect, endpoint, header, timeout, maxQueries);
        var investigation = await Investigation.InvestigateAsync(new InvestigateRequest
        {
            Suspect = source,
            Kit = kitOptions.Access(kit),
            Original = original,
            SignaturePath = signature,
            Trust = SigningCommands.Trust(publicKey, trustRoot, policy),
            NullModels = nullModels,
            Alpha = alpha,
            Command = "modelshield " + string.Join(' ', Environment.GetCommandLineArgs().Skip(1)),
            Log = new LineProgress(cli.Progress),
        }).ConfigureAwait(false);
        if (report is not null)
        {
            var jsonPath = EvidenceReport.Write(investigation, report, force);
            cli.Progress($"Evidence report: {Path.GetFullPath(report)} (JSON: {jsonPath})");
        }

        cli.Result(investigation, w => RenderInvestigation(w, investigation, report));
        return investigation.IsOurs ? CliApp.ExitOk : CliApp.ExitVerdictAgainst;
    }

    internal static void RenderProtect(TextWriter w, ProtectResult r)
    {
        var ci = CultureInfo.InvariantCulture;
        w.WriteLine($"Release      {r.OutputFolder} ({r.Seconds.ToString("0.0", ci)} s)");
        w.WriteLine($"Model        {r.Model}");
        w.WriteLine($"SHA-256      {r.ModelSha256}");
        if (r.Triggers is { } t)
        {
            w.WriteLine(string.Create(ci, $"Triggers     {t.Triggers} {t.Kind} triggers, trigger accuracy {t.Training.TriggerAccuracy:P0} (kit entry {t.EntryId[..8]})"));
        }

        w.WriteLine(string.Create(ci, $"Weights      {r.Weights.Report.Bits} bits in {r.Weights.Report.CarrierElements:N0} weights (kit entry {r.Weights.EntryId[..8]}){(r.Weights.Repair is { } repair ? $", repaired {repair.Training.Epochs} epoch(s), {repair.BitsPushedBack} bits pushed back" : "")}"));
        w.WriteLine(string.Create(ci, $"Fingerprint  {r.Fingerprint.Queries} queries, {r.Fingerprint.NullModels.Count} null models ({r.Fingerprint.NullOrigin}) (kit entry {r.Fingerprint.EntryId[..8]})"));
        if (r.Fidelity is { } f)
        {
            w.WriteLine(string.Create(ci, $"Fidelity     test accuracy {f.AccuracyBefore:P2} -> {f.AccuracyAfter:P2} ({f.AccuracyChangePoints:+0.00;-0.00} points), top-1 agreement {f.Top1Agreement:P2} on {f.TestImages:N0} test images"));
        }

        w.WriteLine($"Commitment   {r.Commitment.Commitment} ({r.Commitment.Entries.Count} kit entries, {KitCommitment.FileName})");
        w.WriteLine($"Signature    {r.Signature.SignaturePath} ({r.Signature.Method.ToString().ToLowerInvariant()}, {r.Signature.Files} files){(r.Signature.CmsPath is null ? "" : $"; CMS {r.Signature.CmsPath}")}");
        foreach (var s in r.Skipped)
        {
            w.WriteLine($"Skipped      {s}");
        }

        TextTable.Write(w, ["file", "role", "bytes", "sha256"], r.Artifacts.Select(a => (IReadOnlyList<string>)[a.Path, a.Role, a.Bytes.ToString("N0", ci), a.Sha256[..16] + "…"]));
    }

    internal static void RenderInvestigation(TextWriter w, InvestigationReport r, string? report)
    {
        w.WriteLine($"Suspect      {r.Suspect} ({r.SuspectKind})");
        w.WriteLine($"Verdict      {r.Verdict}: {r.Answer}");
        if (r.Signature is { } s)
        {
            w.WriteLine($"Signature    {(s.Verified ? "verified" : "FAILED")} ({s.SignaturePath}){(s.Issues.Count > 0 ? $": {string.Join("; ", s.Issues.Take(5).Select(i => $"{i.Code} {i.Path} {i.Message}"))}" : "")}");
        }

        if (r.ReleaseMatches.Count > 0)
        {
            w.WriteLine($"Release      the suspect file is byte for byte our released model (kit entries {string.Join(", ", r.ReleaseMatches.Select(m => m[..8]))})");
        }

        TextTable.Write(w, ["test", "verdict", "p-value", "finding"], r.Outcomes.Select(o => (IReadOnlyList<string>)[o.Test, o.Detected ? "detected" : "not detected", o.CorrectedPValue, o.Summary]));
        w.WriteLine($"Combined     p = {r.CombinedPValue ?? "-"} (Bonferroni over {r.TestsRun} test(s), alpha {r.Alpha.ToString("G3", CultureInfo.InvariantCulture)})");
        foreach (var n in r.NotRun)
        {
            w.WriteLine($"Not run      {n.Test}: {n.Reason}");
        }

        if (report is not null)
        {
            w.WriteLine($"Report       {Path.GetFullPath(report)}");
        }
    }
}
