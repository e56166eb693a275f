using ModelShield.Protection.Kits;
using ModelShield.Protection.Suspects;
using ModelShield.Signing;
using ModelShield.Watermarking.Statistics;

namespace ModelShield.Protection.Investigate;

/// <summary>What <see cref="Investigation.InvestigateAsync"/> examines: a suspect (a file, a release folder or an endpoint) against an owner kit.</summary>
public sealed record InvestigateRequest
{
    /// <summary>The suspect. A file source may name an .onnx file or a folder holding exactly one.</summary>
    public required SuspectSource Suspect { get; init; }

    /// <summary>The owner kit.</summary>
    public required KitAccess Kit { get; init; }

    /// <summary>The owner's model, to align the suspect's neurons to before reading the weight watermark.</summary>
    public string? Original { get; init; }

    /// <summary>The signature bundle to check the suspect's files against (default: model.sig beside the suspect, when present).</summary>
    public string? SignaturePath { get; init; }

    /// <summary>The trust to verify the signature under; without it the signature is not checked.</summary>
    public TrustPolicy? Trust { get; init; }

    /// <summary>A folder of independent models to measure the trigger set's chance rate on (default: analytic 1/classes).</summary>
    public string? NullModels { get; init; }

    /// <summary>The family-wise level, divided among the statistical tests run (Bonferroni).</summary>
    public double Alpha { get; init; } = HypothesisTest.DefaultAlpha;

    /// <summary>The command line that started the investigation, to print in the report as the way to reproduce it.</summary>
    public string? Command { get; init; }

    /// <summary>Receives progress lines.</summary>
    public IProgress<string>? Log { get; init; }
}
