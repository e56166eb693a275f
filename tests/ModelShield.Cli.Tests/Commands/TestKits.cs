using ModelShield.Testing.Cli;
using ModelShield.Testing.Files;

namespace ModelShield.Cli.Tests.Commands;

/// <summary>Owner kits made through the CLI, under a random raw key, for the command tests.</summary>
internal static class TestKits
{
    public static (string Kit, string Key) New(TempFolder temp)
    {
        var key = temp.File("owner.key");
        File.WriteAllBytes(key, System.Security.Cryptography.RandomNumberGenerator.GetBytes(32));
        var kit = temp.File("owner.mskit");
        var result = CliRunner.Run("kit", "new", "-o", kit, "--kit-key-file", key);
        Assert.AreEqual(0, result.ExitCode, result.ToString());
        return (kit, key);
    }
}
