using System.Diagnostics;
using System.Security.Cryptography;
using System.Text;
using ModelShield.Errors;
using ModelShield.IO;
using ModelShield.Protection.Investigate;
using ModelShield.Protection.Kits;
using ModelShield.Protection.Protect;
using ModelShield.Protection.Reports;
using ModelShield.Protection.Suspects;
using ModelShield.Signing;
using ModelShield.Training;
using ModelShield.Watermarking.Kits;

namespace ModelShield.Protection.Demo;

/// <summary>What the demo runs on and where it writes.</summary>
public sealed record DemoRequest
{
    /// <summary>The sample model to protect.</summary>
    public required string SampleModel { get; init; }

    /// <summary>The sample data (Fashion-MNIST layout).</summary>
    public required string DataFolder { get; init; }

    /// <summary>The folder everything goes to (created).</summary>
    public required string OutputFolder { get; init; }

    /// <summary>The sample model's architecture (mlp, cnn, cnn-bn): the independent model is trained with it.</summary>
    public string Architecture { get; init; } = "cnn";

    /// <summary>The thief's attack on the release, as a lab attack chain.</summary>
    public string Attack { get; init; } = "finetune:epochs=1+prune:fraction=0.3";

    /// <summary>Replace an existing demo folder (only one the demo made).</summary>
    public bool Force { get; init; }

    /// <summary>Receives progress lines.</summary>
    public IProgress<string>? Log { get; init; }
}

/// <summary>One suspect of the demo and what the investigation found.</summary>
/// <param name="Suspect">What it is, in words.</param>
/// <param name="Model">Its file.</param>
/// <param name="TestAccuracy">Its test accuracy on the sample's test split.</param>
/// <param name="Verdict">The investigation's verdict.</param>
/// <param name="CombinedPValue">The combined p-value, when a statistical test ran.</param>
/// <param name="Outcomes">Each test's verdict and p-value.</param>
/// <param name="Report">The HTML evidence report.</param>
public sealed record DemoCase(string Suspect, string Model, double? TestAccuracy, string Verdict, string? CombinedPValue, IReadOnlyList<TestOutcome> Outcomes, string Report);

/// <summary>What the demo did.</summary>
/// <param name="OutputFolder">Where everything went.</param>
/// <param name="Protect">The protected release.</param>
/// <param name="Attack">The thief's copy: the attack chain and the accuracy it kept.</param>
/// <param name="Cases">The investigations.</param>
/// <param name="Seconds">Wall-clock time.</param>
public sealed record DemoResult(string OutputFolder, ProtectResult Protect, LabAttackResult Attack, IReadOnlyList<DemoCase> Cases, double Seconds);

/// <summary>
/// <c>modelshield demo</c>: protects the sample model, makes a stolen copy (fine-tuned and pruned through the lab) and
/// an independent model (same architecture and data, another seed), and investigates the release, the copy and the
/// independent model, each with an evidence report. Needs no network and no input.
/// </summary>
public static class ProtectionDemo
{
    private const string Marker = ".modelshield-demo";

    private static readonly string[] NullArchitectures = ["mlp", "cnn", "mlp", "cnn", "mlp"];

    /// <summary>Runs the demo.</summary>
    public static async Task<DemoResult> RunAsync(DemoRequest request, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(request);
        var clock = Stopwatch.StartNew();
        var root = Path.GetFullPath(request.OutputFolder);
        PrepareFolder(root, request.Force);
        var log = request.Log;

        // The owner's secrets: a kit under a random raw key, and a release signing key, written as an owner would keep them.
        var rawKey = RandomNumberGenerator.GetBytes(32);
        var secret = KitSecret.FromRawKey(rawKey);
        var kit = new KitAccess(Path.Combine(root, "owner.mskit"), secret);
        KitFile.Write(kit.Path, OwnerKit.CreateNew(), secret, overwrite: false);
        AtomicFile.Write(Path.Combine(root, "owner.key"), s => s.Write(Encoding.ASCII.GetBytes(Convert.ToHexStringLower(rawKey) + "\n")));
        using var signingKey = ECDsa.Create(ECCurve.NamedCurves.nistP256);
        AtomicFile.Write(Path.Combine(root, "release.key.pem"), s => s.Write(Encoding.ASCII.GetBytes(signingKey.ExportPkcs8PrivateKeyPem())));
        var publicKeyPath = Path.Combine(root, "release.pub.pem");
        AtomicFile.Write(publicKeyPath, s => s.Write(Encoding.ASCII.GetBytes(signingKey.ExportSubjectPublicKeyInfoPem())));

        // Independent models, trained here on the sample: five calibrate the fingerprint and the trigger set's chance
        // rate; the sixth (same architecture as the sample, another seed) is the innocent suspect, never calibrated on.
        var nullModels = Path.Combine(root, "null-models");
        Directory.CreateDirectory(nullModels);
        for (var i = 0; i < NullArchitectures.Length; i++)
        {
            log?.Report($"== independent model {i + 1}/{NullArchitectures.Length + 1} ({NullArchitectures[i]}, seed {9101 + i})");
            LabTraining.Train(new LabTrainRequest { Architecture = NullArchitectures[i], DataFolder = request.DataFolder, Output = Path.Combine(nullModels, $"{NullArchitectures[i]}-s{9101 + i}.onnx"), Epochs = 2, Seed = 9101 + i, Cancellation = cancellationToken });
        }

        log?.Report($"== the innocent suspect: an independent {request.Architecture} (seed 4242)");
        var independent = Path.Combine(root, "independent", "model.onnx");
        Directory.CreateDirectory(Path.GetDirectoryName(independent)!);
        var trained = LabTraining.Train(new LabTrainRequest { Architecture = request.Architecture, DataFolder = request.DataFolder, Output = independent, Epochs = 3, Seed = 4242, Cancellation = cancellationToken });

        log?.Report("== protect the sample model");
        var protect = await ReleaseProtection.ProtectAsync(new ProtectRequest
        {
            ModelPath = request.SampleModel,
            Kit = kit,
            SigningKey = signingKey,
            OutputFolder = Path.Combine(root, "release"),
            Payload = "ModelShield demo release",
            DataFolder = request.DataFolder,
            NullModels = nullModels,
            Log = log,
        }, cancellationToken).ConfigureAwait(false);

        log?.Report($"== the thief's copy: {request.Attack}");
        var stolen = Path.Combine(root, "stolen", "model.onnx");
        Directory.CreateDirectory(Path.GetDirectoryName(stolen)!);
        var attack = LabAttacks.Run(new LabAttackRequest { Model = protect.Model, Attack = request.Attack, Output = stolen, DataFolder = request.DataFolder, Seed = 7, Log = log });

        var trust = TrustPolicy.ForPublicKeys([SigningKeys.LoadPublicKey(publicKeyPath)]);
        var reports = Path.Combine(root, "reports");
        Directory.CreateDirectory(reports);
        var cases = new List<DemoCase>();
        foreach (var (name, suspect, accuracy, file) in new[]
        {
            ("our release, as published", protect.OutputFolder, protect.Fidelity?.AccuracyAfter, "release"),
            ($"stolen copy ({request.Attack})", stolen, (double?)attack.TestAccuracy, "stolen"),
            ("independent model", independent, (double?)trained.TestAccuracy, "independent"),
        })
        {
            log?.Report($"== investigate: {name}");
            var report = await Investigation.InvestigateAsync(new InvestigateRequest
            {
                Suspect = SuspectSource.File(suspect),
                Kit = kit,
                Original = request.SampleModel,
                Trust = trust,
                NullModels = nullModels,
                Command = $"modelshield investigate {suspect} --kit {kit.Path} --kit-key-file {Path.Combine(root, "owner.key")} --original {request.SampleModel} --public-key {publicKeyPath} --null-models {nullModels}",
                Log = log,
            }, cancellationToken).ConfigureAwait(false);
            var html = Path.Combine(reports, $"{file}.html");
            EvidenceReport.Write(report, html, overwrite: false);
            cases.Add(new DemoCase(name, suspect, accuracy, report.Verdict, report.CombinedPValue, report.Outcomes, html));
        }

        return new DemoResult(root, protect, attack, cases, clock.Elapsed.TotalSeconds);
    }

    /// <summary>The demo writes only into a new folder or one it made itself (marked), so --force can never delete a user's folder.</summary>
    private static void PrepareFolder(string root, bool force)
    {
        if (Directory.Exists(root))
        {
            if (!force)
            {
                throw new ModelShieldException(ErrorCodes.OutputExists, $"Demo folder '{root}' exists; use --force to replace it.");
            }

            if (!File.Exists(Path.Combine(root, Marker)))
            {
                throw new ModelShieldException(ErrorCodes.OutputExists, $"'{root}' exists and was not made by the demo; choose another folder.");
            }

            Directory.Delete(root, recursive: true);
        }
        else if (File.Exists(root))
        {
            throw new ModelShieldException(ErrorCodes.OutputExists, $"'{root}' is a file; give a folder for the demo.");
        }

        Directory.CreateDirectory(root);
        File.WriteAllText(Path.Combine(root, Marker), "made by modelshield demo\n");
    }
}
