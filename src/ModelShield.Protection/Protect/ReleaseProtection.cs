using System.Diagnostics;
using System.Globalization;
using System.Text;
using System.Text.Json;
using ModelShield.Errors;
using ModelShield.IO;
using ModelShield.Onnx.Files;
using ModelShield.Protection.Fingerprints;
using ModelShield.Protection.Watermarks;
using ModelShield.Signing;
using ModelShield.Training;
using ModelShield.Watermarking.Kits;

namespace ModelShield.Protection.Protect;

/// <summary>
/// The release workflow: trigger set (when data is given), weight watermark, fingerprint, a model card and the kit
/// commitment, then one signature over every file. The release is assembled in a staging folder beside the output and
/// moved into place only when complete, so a failure never leaves a half-made release that looks signed.
/// </summary>
public static class ReleaseProtection
{
    /// <summary>The model card's file name in a release folder.</summary>
    public const string ModelCardFileName = "MODEL_CARD.md";

    internal static readonly JsonSerializerOptions Json = new(JsonSerializerDefaults.Web) { WriteIndented = true };

    /// <summary>Protects one model into a new release folder.</summary>
    public static async Task<ProtectResult> ProtectAsync(ProtectRequest request, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(request);
        var clock = Stopwatch.StartNew();
        var source = OnnxModel.Load(request.ModelPath);
        source.ValidateExternalData();
        var output = Path.GetFullPath(request.OutputFolder);
        RequireOutputFolder(request, output);
        if (request.Triggers is < 0 or > 10_000)
        {
            throw new ModelShieldException(ErrorCodes.BadUsage, "The number of triggers must lie between 0 and 10000.");
        }

        if (request.RepairEpochs > 0 && request.DataFolder is null)
        {
            throw new ModelShieldException(ErrorCodes.BadUsage, "Repair fine-tunes on the owner's data: give a data folder.");
        }

        var kit = request.Kit.Read();
        var parent = Path.GetDirectoryName(output)!;
        Directory.CreateDirectory(parent);
        var staging = Path.Combine(parent, $".{Path.GetFileName(output)}.staging-{Guid.NewGuid():N}");
        var work = Directory.CreateTempSubdirectory("modelshield-protect-").FullName;
        Directory.CreateDirectory(staging);
        try
        {
            var skipped = new List<string>();
            var current = request.ModelPath;
            TriggerMarkResult? triggers = null;
            if (request.DataFolder is not null && request.Triggers > 0)
            {
                request.Log?.Report($"1/4 trigger set: fine-tuning in {request.Triggers} secret triggers");
                triggers = TriggerMarking.Embed(new TriggerMarkRequest
                {
                    ModelPath = current,
                    Kit = request.Kit,
                    OutputPath = Path.Combine(work, Path.GetFileName(request.ModelPath)),
                    DataFolder = request.DataFolder,
                    Triggers = request.Triggers,
                    Epochs = request.TriggerEpochs,
                    LearningRate = request.TriggerLearningRate,
                    Log = request.Log,
                }, cancellationToken);
                current = triggers.Output;
            }
            else
            {
                skipped.Add(request.DataFolder is null ? "trigger set: no data given to fine-tune on" : "trigger set: 0 triggers asked for");
            }

            request.Log?.Report("2/4 weight watermark");
            var modelPath = Path.Combine(staging, Path.GetFileName(request.ModelPath));
            var weights = WeightMarking.Embed(new WeightMarkRequest
            {
                ModelPath = current,
                Kit = request.Kit,
                OutputPath = modelPath,
                PayloadText = request.Payload ?? string.Create(CultureInfo.InvariantCulture, $"{Path.GetFileName(request.ModelPath)} released {DateTime.UtcNow:yyyy-MM-dd}"),
                DataFolder = request.RepairEpochs > 0 ? request.DataFolder : null,
                RepairEpochs = request.RepairEpochs,
                Log = request.Log,
            }, cancellationToken);

            request.Log?.Report("3/4 fingerprint");
            var fingerprint = await FingerprintRecording.RecordAsync(new FingerprintRecordRequest
            {
                ModelPath = modelPath,
                Kit = request.Kit,
                DataFolder = request.DataFolder,
                Queries = request.Queries,
                NullModels = request.NullModels,
                ReferenceModels = request.ReferenceModels,
                Log = request.Log,
            }, cancellationToken).ConfigureAwait(false);

            var fidelity = request.DataFolder is null ? null : LabFidelity.Measure(request.ModelPath, modelPath, request.DataFolder);
            if (fidelity is null)
            {
                skipped.Add("fidelity: no data given to measure test accuracy on");
            }

            var entryIds = new[] { triggers?.EntryId, weights.EntryId, fingerprint.EntryId }.OfType<string>().ToList();
            var entries = request.Kit.Read().Entries.Where(e => entryIds.Contains(e.Id)).OrderBy(e => entryIds.IndexOf(e.Id)).ToList();
            var commitment = new KitCommitment(
                KitCommitment.FormatUri,
                kit.KitId,
                entries.Select(e => e.Id).ToList(),
                entries.Select(e => e.Scheme).ToList(),
                KitCommitment.AlgorithmDescription,
                OwnerKit.Commitment(entries),
                DateTimeOffset.UtcNow);
            AtomicFile.Write(Path.Combine(staging, KitCommitment.FileName), s => JsonSerializer.Serialize(s, commitment, Json));
            var card = ModelCard(request, weights.OutputSha256, triggers, fingerprint, fidelity, commitment);
            AtomicFile.Write(Path.Combine(staging, ModelCardFileName), s => s.Write(Encoding.UTF8.GetBytes(card)));

            request.Log?.Report("4/4 signature over every file of the release");
            var signature = ModelSigner.Sign(new SignRequest
            {
                ModelPath = staging,
                PrivateKey = request.SigningKey,
                Certificate = request.Certificate,
                Chain = request.Chain,
                Cms = request.Cms,
                TimestampAuthority = request.TimestampAuthority,
            });

            if (Directory.Exists(output))
            {
                Directory.Delete(output, recursive: true); // only with Force: RequireOutputFolder refused otherwise
            }

            Directory.Move(staging, output);
            var artifacts = Artifacts(output, signature, source);
            var relocated = signature with
            {
                SignaturePath = Path.Combine(output, Path.GetRelativePath(staging, signature.SignaturePath)),
                CmsPath = signature.CmsPath is null ? null : Path.Combine(output, Path.GetRelativePath(staging, signature.CmsPath)),
            };
            var released = Path.Combine(output, Path.GetFileName(modelPath));
            return new ProtectResult(
                output,
                released,
                weights.OutputSha256,
                triggers is null ? null : triggers with { Output = "(intermediate, not released)" },
                weights with { Output = released },
                fingerprint with { Model = released },
                fidelity,
                commitment,
                relocated,
                artifacts,
                skipped,
                clock.Elapsed.TotalSeconds);
        }
        finally
        {
            Directory.Delete(work, recursive: true);
            if (Directory.Exists(staging))
            {
                Directory.Delete(staging, recursive: true);
            }
        }
    }

    private static void RequireOutputFolder(ProtectRequest request, string output)
    {
        if (File.Exists(output))
        {
            throw new ModelShieldException(ErrorCodes.OutputExists, $"Output '{request.OutputFolder}' is a file; give a folder for the release.");
        }

        if (Directory.Exists(output) && !request.Force)
        {
            throw new ModelShieldException(ErrorCodes.OutputExists, $"Output folder '{request.OutputFolder}' exists; use --force to replace it.");
        }

        // Replacing the folder must never delete the inputs.
        var inputs = new[] { request.ModelPath, request.Kit.Path, request.DataFolder, request.NullModels }.OfType<string>().Select(Path.GetFullPath);
        foreach (var input in inputs)
        {
            if (IsInside(input, output))
            {
                throw new ModelShieldException(ErrorCodes.OutputIsInput, $"Output folder '{request.OutputFolder}' holds an input ('{input}'); choose another folder.");
            }
        }
    }

    private static bool IsInside(string path, string folder)
    {
        var relative = Path.GetRelativePath(folder, path);
        return relative == "." || !(relative.StartsWith("..", StringComparison.Ordinal) || Path.IsPathRooted(relative));
    }

    private static List<ReleaseArtifact> Artifacts(string folder, SignResult signature, OnnxModel source)
    {
        var external = source.ExternalDataLocations().ToHashSet(StringComparer.Ordinal);
        var signatureName = Path.GetFileName(signature.SignaturePath);
        var cmsName = signature.CmsPath is null ? null : Path.GetFileName(signature.CmsPath);
        return Directory.EnumerateFiles(folder, "*", SearchOption.AllDirectories)
            .Select(path =>
            {
                var relative = Path.GetRelativePath(folder, path).Replace('\\', '/');
                var role = relative == signatureName ? "signature (OMS bundle)"
                    : relative == cmsName ? "signature (CMS, detached)"
                    : relative == KitCommitment.FileName ? "kit commitment"
                    : relative == ModelCardFileName ? "model card"
                    : relative.EndsWith(".onnx", StringComparison.OrdinalIgnoreCase) ? "model"
                    : external.Contains(relative) ? "external data" : "other";
                var (sha256, bytes) = FileDigest.Sha256(path);
                return new ReleaseArtifact(relative, bytes, sha256, role);
            })
            .OrderBy(a => a.Path, StringComparer.Ordinal)
            .ToList();
    }

    private static string ModelCard(ProtectRequest request, string modelSha256, TriggerMarkResult? triggers, FingerprintRecordResult fingerprint, FidelityReport? fidelity, KitCommitment commitment)
    {
        var ci = CultureInfo.InvariantCulture;
        var name = Path.GetFileName(request.ModelPath);
        var text = new StringBuilder();
        text.AppendLine(ci, $"# {name}: protected release");
        text.AppendLine();
        text.AppendLine("| | |");
        text.AppendLine("|---|---|");
        text.AppendLine(ci, $"| model | `{name}` |");
        text.AppendLine(ci, $"| SHA-256 | `{modelSha256}` |");
        text.AppendLine(ci, $"| released | {commitment.CreatedUtc:yyyy-MM-dd HH:mm:ss} UTC |");
        text.AppendLine(ci, $"| protections | {(triggers is null ? "" : "trigger-set watermark, ")}weight watermark, query fingerprint ({fingerprint.Queries} queries), signature |");
        if (fidelity is not null)
        {
            text.AppendLine(ci, $"| test accuracy | {fidelity.AccuracyBefore:P2} before protection, {fidelity.AccuracyAfter:P2} after ({fidelity.AccuracyChangePoints:+0.00;-0.00} points; top-1 agreement {fidelity.Top1Agreement:P2} on {fidelity.TestImages:N0} test images) |");
        }

        text.AppendLine(ci, $"| kit commitment | `{commitment.Commitment}` (kit `{commitment.KitId}`, see {KitCommitment.FileName}) |");
        text.AppendLine();
        text.AppendLine("The owner holds the secrets of these protections; this release carries none of them.");
        text.AppendLine("Every file in this folder is covered by the OpenSSF Model Signing bundle `model.sig`. Verify with:");
        text.AppendLine();
        text.AppendLine(ci, $"    modelshield verify {Path.GetFileName(request.OutputFolder.TrimEnd('/', '\\'))} --public-key RELEASE_PUBLIC_KEY.pem");
        return text.ToString();
    }
}
