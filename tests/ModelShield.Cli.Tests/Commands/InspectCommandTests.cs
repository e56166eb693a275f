using System.Text.Json;
using Google.Protobuf;
using ModelShield.Testing.Cli;
using ModelShield.Testing.Files;
using ModelShield.Testing.Models;

namespace ModelShield.Cli.Tests.Commands;

/// <summary><c>modelshield inspect</c>, run end to end as a separate process.</summary>
[TestClass]
public sealed class InspectCommandTests
{
    [TestMethod]
    public void Inspect_TinyModel_Exit0WithSummaryOnStdout()
    {
        using var temp = new TempFolder();
        var path = TinyModels.Write(TinyModels.Mlp(), temp.File("tiny.onnx"));

        var result = CliRunner.Run("inspect", path);

        Assert.AreEqual(0, result.ExitCode, result.ToString());
        StringAssert.Contains(result.Stdout, "Parameters   212 in 4 initializers");
        StringAssert.Contains(result.Stdout, "tensor(float32)  [batch, 8]");
        StringAssert.Contains(result.Stdout, "modelshield-tests");
        Assert.AreEqual("", result.Stderr);
    }

    [TestMethod]
    public void Inspect_Json_PrintsExactlyOneDocument()
    {
        using var temp = new TempFolder();
        var path = TinyModels.WriteWithExternalData(temp.Path);

        var result = CliRunner.Run("inspect", path, "--json");

        Assert.AreEqual(0, result.ExitCode, result.ToString());
        using var doc = JsonDocument.Parse(result.Stdout);
        var root = doc.RootElement;
        Assert.AreEqual(212, root.GetProperty("parameterCount").GetInt64());
        Assert.AreEqual(8, root.GetProperty("irVersion").GetInt64());
        Assert.AreEqual("batch", root.GetProperty("inputs")[0].GetProperty("shape")[0].GetString());
        Assert.AreEqual("weights.bin", root.GetProperty("externalDataFiles")[0].GetString());
        Assert.AreEqual(2, root.GetProperty("files").GetArrayLength());
        Assert.AreEqual(64, root.GetProperty("files")[1].GetProperty("sha256").GetString()!.Length);
    }

    [TestMethod]
    public void Inspect_PytorchExportedModel_Exit0()
    {
        OnnxTestData.RequireInstalled();

        var result = CliRunner.Run("inspect", Path.Combine(OnnxTestData.Case("pytorch-converted/test_Conv2d"), "model.onnx"), "--json");

        Assert.AreEqual(0, result.ExitCode, result.ToString());
        using var doc = JsonDocument.Parse(result.Stdout);
        Assert.AreEqual(76, doc.RootElement.GetProperty("parameterCount").GetInt64());
    }

    [TestMethod]
    [DataRow("garbage")]
    [DataRow("truncated")]
    [DataRow("empty")]
    public void Inspect_MalformedModel_Exit2WithOneClearLineAndNoStackTrace(string kind)
    {
        using var temp = new TempFolder();
        var bytes = TinyModels.Mlp().ToByteArray();
        var path = temp.File("bad.onnx");
        File.WriteAllBytes(path, kind switch
        {
            "garbage" => "this is not a model\n"u8.ToArray(),
            "truncated" => bytes[..(bytes.Length / 2)],
            _ => [],
        });

        var result = CliRunner.Run("inspect", path);

        Assert.AreEqual(2, result.ExitCode, result.ToString());
        Assert.AreEqual("", result.Stdout);
        var lines = result.Stderr.Trim().Split('\n');
        Assert.HasCount(1, lines, result.Stderr);
        StringAssert.StartsWith(lines[0], "error MS200");
        StringAssert.Contains(lines[0], "bad.onnx");
        Assert.DoesNotContain("   at ", result.Stderr);
    }

    [TestMethod]
    public void Inspect_MalformedModelWithJson_Exit2AndErrorDocument()
    {
        using var temp = new TempFolder();
        var path = temp.File("bad.onnx");
        File.WriteAllText(path, "nope");

        var result = CliRunner.Run("inspect", path, "--json");

        Assert.AreEqual(2, result.ExitCode, result.ToString());
        using var doc = JsonDocument.Parse(result.Stdout);
        Assert.AreEqual("MS2001", doc.RootElement.GetProperty("error").GetProperty("code").GetString());
    }

    [TestMethod]
    public void Inspect_ExternalDataOutsideFolder_Exit2NamingTensorAndLocation()
    {
        using var temp = new TempFolder();
        var proto = TinyModels.Mlp();
        var tensor = proto.Graph.Initializer[0];
        TinyModels.PointAtExternal(tensor, "/etc/passwd");
        var path = TinyModels.Write(proto, temp.File("evil.onnx"));

        var result = CliRunner.Run("inspect", path);

        Assert.AreEqual(2, result.ExitCode, result.ToString());
        StringAssert.Contains(result.Stderr, "MS2010");
        StringAssert.Contains(result.Stderr, "fc1.weight");
        StringAssert.Contains(result.Stderr, "/etc/passwd");
    }

    [TestMethod]
    public void Inspect_MissingFile_Exit2()
    {
        var result = CliRunner.Run("inspect", "/nonexistent/model.onnx");

        Assert.AreEqual(2, result.ExitCode, result.ToString());
        StringAssert.Contains(result.Stderr, "MS1001");
    }

    [TestMethod]
    public void Inspect_Help_ShowsExample()
    {
        var result = CliRunner.Run("inspect", "--help");

        Assert.AreEqual(0, result.ExitCode, result.ToString());
        StringAssert.Contains(result.Stdout, "Example: modelshield inspect");
        StringAssert.Contains(result.Stdout, "--json");
    }
}
