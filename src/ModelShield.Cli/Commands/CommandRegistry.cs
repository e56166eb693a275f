using Cocona;

namespace ModelShield.Cli.Commands;

/// <summary>Registers every command group; one class per group, in this folder.</summary>
internal static class CommandRegistry
{
    public static void Register(CoconaApp app)
    {
        app.AddCommands<InspectCommand>();
        app.AddSubCommand("lab", lab => lab.AddCommands<LabCommands>())
            .WithDescription("The lab: train, attack and collect Fashion-MNIST models (train, attack, zoo).");
    }
}
