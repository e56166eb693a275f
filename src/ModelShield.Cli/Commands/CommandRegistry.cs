using Cocona;

namespace ModelShield.Cli.Commands;

/// <summary>Registers every command group; one class per group, in this folder.</summary>
internal static class CommandRegistry
{
    public static void Register(CoconaApp app)
    {
        app.AddCommands<InspectCommand>();
        app.AddCommands<SigningCommands>();
        app.AddSubCommand("kit", x => x.AddCommands<KitCommands>()).WithDescription("Owner kits: the encrypted secrets behind watermarks and fingerprints (new, show)");
        app.AddSubCommand("watermark", x => x.AddCommands<WatermarkCommands>()).WithDescription("Watermarks: embed into a model, detect in a suspect (embed, detect)");
        app.AddSubCommand("fingerprint", x => x.AddCommands<FingerprintCommands>()).WithDescription("Query fingerprints: record a model's answers to secret queries, compare a suspect (record, compare)");
        app.AddSubCommand("serve", x => x.AddCommands<ServeCommand>()).WithDescription("Run the HTTP API until Ctrl+C: serve [--urls http://127.0.0.1:8080] [--config FILE]; serve apikey; serve keystore add-key|add-kit|list");
        app.AddCommands<ProtectCommands>();
        app.AddCommands<DemoCommand>();
        app.AddSubCommand("lab", lab => lab.AddCommands<LabCommands>())
            .WithDescription("The lab: train, attack and collect Fashion-MNIST models (train, attack, zoo).");
    }
}
