using Cocona;

namespace ModelShield.Cli.Commands;

/// <summary>Registers every command group; one class per group, in this folder.</summary>
internal static class CommandRegistry
{
    public static void Register(CoconaApp app)
    {
        app.AddCommands<InspectCommand>();
    }
}
