using System.Security.Cryptography;
using System.Security.Cryptography.X509Certificates;
using ModelShield.Protection.Kits;
using ModelShield.Training;

namespace ModelShield.Protection.Protect;

/// <summary>What <see cref="ReleaseProtection.ProtectAsync"/> does: watermark, fingerprint and sign one model into a release folder.</summary>
public sealed record ProtectRequest
{
    /// <summary>The model to protect (.onnx, external data beside it); never changed.</summary>
    public required string ModelPath { get; init; }

    /// <summary>The owner kit every entry of the release is added to.</summary>
    public required KitAccess Kit { get; init; }

    /// <summary>The release signing key (owned by the caller, who disposes it).</summary>
    public required ECDsa SigningKey { get; init; }

    /// <summary>The release folder; created, never merged into an existing one.</summary>
    public required string OutputFolder { get; init; }

    /// <summary>A signing certificate: the OMS certificate method (else the key method).</summary>
    public X509Certificate2? Certificate { get; init; }

    /// <summary>Intermediate certificates to embed.</summary>
    public IReadOnlyList<X509Certificate2> Chain { get; init; } = [];

    /// <summary>Also write a detached CMS signature (needs a certificate).</summary>
    public bool Cms { get; init; }

    /// <summary>An RFC 3161 timestamp authority for the CMS signature.</summary>
    public Uri? TimestampAuthority { get; init; }

    /// <summary>Text the weight watermark's payload is derived from; null for the model's file name and the date.</summary>
    public string? Payload { get; init; }

    /// <summary>The owner's data: with it, a trigger set is fine-tuned in and fidelity is measured; also where fingerprint queries come from (null: the lab's default data).</summary>
    public string? DataFolder { get; init; }

    /// <summary>Triggers to embed when data is given; 0 for none.</summary>
    public int Triggers { get; init; } = 100;

    /// <summary>Trigger fine-tuning epochs; null for the lab's default.</summary>
    public int? TriggerEpochs { get; init; }

    /// <summary>Trigger fine-tuning learning rate; null for the lab's default.</summary>
    public double? TriggerLearningRate { get; init; }

    /// <summary>Repair fine-tuning epochs after the weight watermark (needs <see cref="DataFolder"/>; 0: none).</summary>
    public int RepairEpochs { get; init; }

    /// <summary>Fingerprint queries.</summary>
    public int Queries { get; init; } = 100;

    /// <summary>Independent models to calibrate the fingerprint on; null to train reference models.</summary>
    public string? NullModels { get; init; }

    /// <summary>Reference models to train when <see cref="NullModels"/> is null.</summary>
    public int ReferenceModels { get; init; } = LabFingerprintQueries.DefaultReferenceModels;

    /// <summary>Replace an existing release folder.</summary>
    public bool Force { get; init; }

    /// <summary>Receives progress lines.</summary>
    public IProgress<string>? Log { get; init; }
}
