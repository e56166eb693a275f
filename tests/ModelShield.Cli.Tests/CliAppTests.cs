using System.Text.Json;
using ModelShield.Testing.Cli;

namespace ModelShield.Cli.Tests;

/// <summary>Conventions every command shares: version, help, exit codes for bad usage.</summary>
[TestClass]
public sealed class CliAppTests
{
    [TestMethod]
    public void Run_Version_PrintsVersionExit0()
    {
        var result = CliRunner.Run("--version");

        Assert.AreEqual(0, result.ExitCode, result.ToString());
        StringAssert.Contains(result.Stdout, "0.1.0");
    }

    [TestMethod]
    public void Run_Help_ListsCommands()
    {
        var result = CliRunner.Run("--help");

        Assert.AreEqual(0, result.ExitCode, result.ToString());
        StringAssert.Contains(result.Stdout, "inspect");
    }

    [TestMethod]
    [DataRow("no-such-command")]
    [DataRow("inspect", "--no-such-option", "x.onnx")]
    [DataRow("inspect")]
    public void Run_BadUsage_Exit2(params string[] args)
    {
        var result = CliRunner.Run(args);

        Assert.AreEqual(2, result.ExitCode, result.ToString());
        Assert.AreNotEqual("", result.Stderr.Trim());
    }

    [TestMethod]
    public void Run_BadUsageWithJson_PrintsErrorDocument()
    {
        var result = CliRunner.Run("inspect", "--json", "--no-such-option");

        Assert.AreEqual(2, result.ExitCode, result.ToString());
        using var doc = JsonDocument.Parse(result.Stdout);
        Assert.AreEqual("MS1000", doc.RootElement.GetProperty("error").GetProperty("code").GetString());
    }
}
