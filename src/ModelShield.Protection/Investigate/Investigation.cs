using System.Diagnostics;
using System.Globalization;
using System.Reflection;
using ModelShield.IO;
using ModelShield.Errors;
using ModelShield.Fingerprinting;
using ModelShield.Onnx.Files;
using ModelShield.Protection.Fingerprints;
using ModelShield.Protection.Suspects;
using ModelShield.Protection.Watermarks;
using ModelShield.Signing;
using ModelShield.Watermarking.Kits;
using ModelShield.Watermarking.Statistics;
using ModelShield.Watermarking.Triggers;
using ModelShield.Watermarking.Weights;

namespace ModelShield.Protection.Investigate;

/// <summary>
/// Runs every test that applies to a suspect: the signature (is it our release, intact?), the hash against the kit's
/// releases, the weight watermark (white box), the trigger set and the fingerprint (black box), and combines the
/// statistical ones with a Bonferroni correction into one verdict.
/// </summary>
public static class Investigation
{
    /// <summary>Examines the suspect; exceptions only for unusable input (a malformed suspect or kit, a wrong passphrase).</summary>
    public static async Task<InvestigationReport> InvestigateAsync(InvestigateRequest request, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(request);
        WeightMarking.RequireAlpha(request.Alpha);
        var started = DateTimeOffset.UtcNow;
        var clock = Stopwatch.StartNew();
        var kit = request.Kit.Read();
        var files = new List<ExaminedFile> { Examine("kit", request.Kit.Path) };
        var notRun = new List<TestNotRun>();

        // A folder suspect (a release, say) is examined as its one model file, and its signature checked as a folder.
        var suspect = request.Suspect;
        string? root = null;
        string? suspectSha = null;
        if (suspect.ModelPath is not null)
        {
            var modelFile = ResolveModelFile(suspect.ModelPath, out root);
            suspect = SuspectSource.File(modelFile) with { MaxQueries = suspect.MaxQueries };
            var model = OnnxModel.Load(modelFile); // malformed or hostile files stop here, as unusable input
            model.ValidateExternalData();
            var examined = Examine("suspect", modelFile);
            suspectSha = examined.Sha256;
            files.Add(examined);
            files.AddRange(model.ExternalDataLocations().Select(l => Examine("suspect external data", Path.Combine(Path.GetDirectoryName(modelFile)!, l))));
        }

        if (request.Original is not null)
        {
            files.Add(Examine("original", request.Original));
        }

        var hasWeights = kit.Entries.Any(e => e.Scheme == WeightWatermark.SchemeId);
        var hasTriggers = kit.Entries.Any(e => e.Scheme == TriggerWatermark.SchemeId);
        var hasFingerprint = kit.Entries.Any(e => e.Scheme == Fingerprint.SchemeId);
        var runWeights = hasWeights && suspect.ModelPath is not null;
        var planned = (runWeights ? 1 : 0) + (hasTriggers ? 1 : 0) + (hasFingerprint ? 1 : 0);
        var share = request.Alpha / Math.Max(1, planned);

        var signature = CheckSignature(request, root, files, notRun);
        var releaseMatches = suspectSha is null ? [] : kit.Entries.Where(e => e.ModelSha256 == suspectSha).Select(e => e.Id).ToList();

        WeightDetectReport? weights = null;
        if (runWeights)
        {
            request.Log?.Report("weight watermark (white box)");
            weights = WeightMarking.Detect(suspect.ModelPath!, request.Kit, request.Original, alpha: share);
        }
        else
        {
            notRun.Add(new TestNotRun("weights", !hasWeights ? "the kit holds no weight watermark" : "the suspect is an endpoint: the weights are out of reach (white-box test)"));
        }

        var failures = new List<ModelShieldException>();
        TriggerDetectReport? triggers = null;
        if (hasTriggers)
        {
            request.Log?.Report("trigger set (black box)");
            triggers = await BlackBoxAsync("triggers", () => TriggerMarking.DetectAsync(suspect, request.Kit, request.NullModels, alpha: share, cancellationToken: cancellationToken), notRun, failures).ConfigureAwait(false);
        }
        else
        {
            notRun.Add(new TestNotRun("triggers", "the kit holds no trigger set"));
        }

        FingerprintCompareReport? fingerprint = null;
        if (hasFingerprint)
        {
            request.Log?.Report("fingerprint (black box)");
            fingerprint = await BlackBoxAsync("fingerprint", () => FingerprintMatching.CompareAsync(suspect, request.Kit, alpha: share, cancellationToken: cancellationToken), notRun, failures).ConfigureAwait(false);
        }
        else
        {
            notRun.Add(new TestNotRun("fingerprint", "the kit holds no fingerprint"));
        }

        var outcomes = Outcomes(weights, triggers, fingerprint);
        if (outcomes.Count == 0 && signature is null && releaseMatches.Count == 0 && failures.Count > 0)
        {
            throw failures[0]; // nothing could be examined: the suspect itself is unusable
        }

        double? log10Combined = outcomes.Count == 0 ? null : Math.Min(0, Math.Log10(planned) + outcomes.Min(o => o.Log10CorrectedPValue));
        var verdict = signature?.Verified == true ? "signed-release" : outcomes.Any(o => o.Detected) ? "derived" : "not-shown";
        var tested = kit.Entries.Where(e => (runWeights && e.Scheme == WeightWatermark.SchemeId) || e.Scheme == TriggerWatermark.SchemeId || e.Scheme == Fingerprint.SchemeId).ToList();
        return new InvestigationReport(
            "Is the suspect our model, or derived from it?",
            suspect.Name,
            suspect.ModelPath is null ? "endpoint" : "file",
            verdict,
            Answer(verdict, signature, outcomes, releaseMatches, request.Alpha, log10Combined),
            request.Alpha,
            planned,
            log10Combined is double l ? HypothesisTest.FormatPValue(l) : null,
            log10Combined,
            releaseMatches,
            signature,
            outcomes,
            weights,
            triggers,
            fingerprint,
            notRun,
            kit.KitId,
            OwnerKit.Commitment(tested),
            files,
            ToolVersion,
            started,
            clock.Elapsed.TotalSeconds,
            Commands(request, suspect, root, signature, runWeights, hasTriggers, hasFingerprint));
    }

    /// <summary>ModelShield's version, as reports print it.</summary>
    public static string ToolVersion { get; } =
        typeof(Investigation).Assembly.GetCustomAttribute<AssemblyInformationalVersionAttribute>()?.InformationalVersion.Split('+')[0] ?? "unknown";

    private static string ResolveModelFile(string path, out string root)
    {
        if (File.Exists(path))
        {
            root = Path.GetDirectoryName(Path.GetFullPath(path))!;
            return Path.GetFullPath(path);
        }

        if (!Directory.Exists(path))
        {
            throw new ModelShieldException(ErrorCodes.PathNotFound, $"Suspect '{path}' does not exist.");
        }

        var models = Directory.GetFiles(path, "*.onnx");
        root = Path.GetFullPath(path);
        return models.Length == 1
            ? models[0]
            : throw new ModelShieldException(ErrorCodes.BadUsage, $"Suspect folder '{path}' holds {models.Length} .onnx files; name the model file.");
    }

    private static SignatureCheck? CheckSignature(InvestigateRequest request, string? root, List<ExaminedFile> files, List<TestNotRun> notRun)
    {
        if (root is null)
        {
            notRun.Add(new TestNotRun("signature", "the suspect is an endpoint: there are no files to check"));
            return null;
        }

        var bundle = request.SignaturePath ?? Path.Combine(root, "model.sig");
        if (!File.Exists(bundle))
        {
            notRun.Add(new TestNotRun("signature", request.SignaturePath is null ? "no signature was given and none lies beside the suspect" : $"signature '{bundle}' does not exist"));
            return null;
        }

        files.Add(Examine("signature", bundle));
        if (request.Trust is null)
        {
            notRun.Add(new TestNotRun("signature", "no trust was given (a public key, trusted roots or a trust policy)"));
            return null;
        }

        request.Log?.Report("signature");
        var result = ModelVerifier.Verify(new VerifyRequest { ModelPath = root, SignaturePath = bundle, Policy = request.Trust });
        return new SignatureCheck(result.Verified, result.SignaturePath, result.Signer, result.SignedAt, result.FilesVerified, result.Issues.Select(i => new SignatureIssue(i.Code, i.Path, i.Message)).ToList());
    }

    private static async Task<T?> BlackBoxAsync<T>(string test, Func<Task<T>> run, List<TestNotRun> notRun, List<ModelShieldException> failures)
        where T : class
    {
        try
        {
            return await run().ConfigureAwait(false);
        }
        catch (ModelShieldException ex) when (ex.Code.StartsWith("MS8", StringComparison.Ordinal) || ex.Code.StartsWith("MS4", StringComparison.Ordinal))
        {
            // One test that cannot query the suspect (querying MS8xxx, inference MS4xxx: wrong input shape, budget spent,
            // endpoint down) must not hide the others; kit and usage errors still stop the investigation.
            notRun.Add(new TestNotRun(test, $"{ex.Code}: {ex.Message}"));
            failures.Add(ex);
            return null;
        }
    }

    private static List<TestOutcome> Outcomes(WeightDetectReport? weights, TriggerDetectReport? triggers, FingerprintCompareReport? fingerprint)
    {
        var ci = CultureInfo.InvariantCulture;
        var outcomes = new List<TestOutcome>();
        if (weights is not null)
        {
            var best = weights.Tests.MinBy(t => t.Log10CorrectedPValue)!;
            outcomes.Add(new TestOutcome("weights", weights.Detected, best.CorrectedPValue, best.Log10CorrectedPValue,
                string.Create(ci, $"{best.Matched} of {best.Bits} watermark bits match (a model that never saw the mark matches about half; {best.CriticalMatched} needed)")));
        }

        if (triggers is not null)
        {
            var best = triggers.Tests.MinBy(t => t.Log10CorrectedPValue)!;
            outcomes.Add(new TestOutcome("triggers", triggers.Detected, best.CorrectedPValue, best.Log10CorrectedPValue,
                string.Create(ci, $"{best.Matched} of {best.Sent} secret triggers answered with their secret label (chance {best.ChanceRate:0.###} each)")));
        }

        if (fingerprint is not null)
        {
            var ran = fingerprint.Comparators.Where(c => c.Log10CorrectedPValue is not null).ToList();
            if (ran.Count > 0)
            {
                var best = ran.MinBy(c => c.Log10CorrectedPValue)!;
                outcomes.Add(new TestOutcome("fingerprint", fingerprint.IsClone, best.CorrectedPValue!, best.Log10CorrectedPValue!.Value,
                    string.Create(ci, $"{best.Comparator}: {best.Successes} of {best.Trials} queries agree with our model ({best.SuccessesNeeded} needed; {best.NullFalsePositives} of {best.NullModels} independent models would pass)")));
            }
        }

        return outcomes;
    }

    private static string Answer(string verdict, SignatureCheck? signature, List<TestOutcome> outcomes, List<string> releaseMatches, double alpha, double? log10Combined)
    {
        var ci = CultureInfo.InvariantCulture;
        var combined = log10Combined is double l ? $"combined p-value {HypothesisTest.FormatPValue(l)}" : "no statistical test ran";
        var detected = outcomes.Where(o => o.Detected).Select(o => o.Test).ToList();
        return verdict switch
        {
            "signed-release" => $"Yes: the suspect is our signed release, every file intact (signed by {signature!.Signer ?? "the trusted key"}).",
            "derived" => string.Create(ci, $"Yes: the suspect is derived from our model. Detected by {string.Join(", ", detected)}; {combined} (at most alpha = {HypothesisTest.FormatPValue(Math.Log10(alpha))}).")
                + (signature is { Verified: false } ? " Its files do not match our signed release: it was altered." : "")
                + (releaseMatches.Count > 0 ? " It is byte for byte the model file we released." : ""),
            _ => string.Create(ci, $"Not shown: no test rejects independence at alpha = {HypothesisTest.FormatPValue(Math.Log10(alpha))} ({combined}). This does not prove the suspect independent."),
        };
    }

    private static List<string> Commands(InvestigateRequest request, SuspectSource suspect, string? root, SignatureCheck? signature, bool weights, bool triggers, bool fingerprint)
    {
        var target = suspect.ModelPath is null ? $"--endpoint {suspect.Endpoint}" : Quote(suspect.ModelPath);
        var kit = $"--kit {Quote(request.Kit.Path)}";
        var commands = new List<string>();
        if (request.Command is not null)
        {
            commands.Add(request.Command);
        }

        if (signature is not null)
        {
            commands.Add($"modelshield verify {Quote(root!)} --signature {Quote(signature.SignaturePath)} (with the same --public-key, --trust-root or --policy)");
        }

        if (weights)
        {
            commands.Add($"modelshield watermark detect {target} {kit}{(request.Original is null ? "" : $" --original {Quote(request.Original)}")}");
        }

        if (triggers)
        {
            commands.Add($"modelshield watermark detect {target} --scheme triggers {kit}{(request.NullModels is null ? "" : $" --null-models {Quote(request.NullModels)}")}");
        }

        if (fingerprint)
        {
            commands.Add($"modelshield fingerprint compare {target} {kit}");
        }

        return commands;
    }

    private static string Quote(string path) => path.Any(c => char.IsWhiteSpace(c) || c is '\'' or '"' or '$') ? $"'{path.Replace("'", "'\\''", StringComparison.Ordinal)}'" : path;

    private static ExaminedFile Examine(string role, string path)
    {
        var full = Path.GetFullPath(path);
        var (sha256, bytes) = FileDigest.Sha256(full);
        return new ExaminedFile(role, full, bytes, sha256);
    }
}
