using ModelShield.Errors;

namespace ModelShield.Training.Architectures;

/// <summary>The lab's architectures by id; an unknown id is an error listing the known ones.</summary>
internal static class ArchitectureRegistry
{
    private static readonly IArchitecture[] Known = [new Mlp(), new Cnn(), new CnnBatchNorm()];

    public static IReadOnlyList<IArchitecture> All => Known;

    public static IArchitecture Get(string id) =>
        Known.FirstOrDefault(a => string.Equals(a.Id, id, StringComparison.OrdinalIgnoreCase))
        ?? throw new ModelShieldException(ErrorCodes.UnknownArchitecture, $"Unknown architecture '{id}'. Known: {string.Join(", ", Known.Select(a => a.Id))}.");
}
