using ModelShield.Errors;
using ModelShield.Onnx.Files;

namespace ModelShield.Training.Architectures;

/// <summary>The lab's architectures by id; an unknown id is an error listing the known ones.</summary>
internal static class ArchitectureRegistry
{
    private static readonly IArchitecture[] Known = [new Mlp(), new Cnn(), new CnnBatchNorm()];

    /// <summary>The metadata key under which a lab-built model names its architecture.</summary>
    public const string MetadataKey = "modelshield.lab.architecture";

    public static IReadOnlyList<IArchitecture> All => Known;

    /// <summary>The architecture id a model's metadata names, or null for a model the lab did not build.</summary>
    public static string? NamedBy(OnnxModel model) => model.Proto.MetadataProps.FirstOrDefault(p => p.Key == MetadataKey)?.Value;

    public static IArchitecture Get(string id) =>
        Known.FirstOrDefault(a => string.Equals(a.Id, id, StringComparison.OrdinalIgnoreCase))
        ?? throw new ModelShieldException(ErrorCodes.UnknownArchitecture, $"Unknown architecture '{id}'. Known: {string.Join(", ", Known.Select(a => a.Id))}.");
}
