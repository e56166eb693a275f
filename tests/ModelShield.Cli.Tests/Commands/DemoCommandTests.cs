using System.Text.Json;
using ModelShield.Testing.Cli;
using ModelShield.Testing.Files;

namespace ModelShield.Cli.Tests.Commands;

/// <summary><c>modelshield demo</c>, run as the README says, from a folder of its own.</summary>
[TestClass]
public sealed class DemoCommandTests
{
    [TestMethod]
    public void Demo_NoArguments_EachSuspectGetsItsVerdictExit0()
    {
        using var temp = new TempFolder();

        var result = CliRunner.Run(temp.Path, (IReadOnlyDictionary<string, string>?)null, "demo", "--json");

        Assert.AreEqual(0, result.ExitCode, result.ToString());
        using var doc = JsonDocument.Parse(result.Stdout);
        var cases = doc.RootElement.GetProperty("cases").EnumerateArray().ToList();
        CollectionAssert.AreEqual(new[] { "signed-release", "derived", "not-shown" }, cases.Select(c => c.GetProperty("verdict").GetString()).ToList());
        foreach (var c in cases)
        {
            Assert.IsTrue(File.Exists(c.GetProperty("report").GetString()), c.ToString());
        }

        Assert.IsTrue(File.Exists(Path.Combine(temp.Path, "modelshield-demo", "release", "model.sig")));
        var again = CliRunner.Run(temp.Path, (IReadOnlyDictionary<string, string>?)null, "demo");
        Assert.AreEqual(2, again.ExitCode, again.ToString());
        StringAssert.Contains(again.Stderr, "--force");
    }

    [TestMethod]
    public void Demo_ForceOnFolderItDidNotMake_Exit2AndUntouched()
    {
        using var temp = new TempFolder();
        var mine = Directory.CreateDirectory(temp.File("mine")).FullName;
        File.WriteAllText(Path.Combine(mine, "keep.txt"), "mine");

        var result = CliRunner.Run("demo", "-o", mine, "--force");

        Assert.AreEqual(2, result.ExitCode, result.ToString());
        Assert.AreEqual("mine", File.ReadAllText(Path.Combine(mine, "keep.txt")));
    }
}
