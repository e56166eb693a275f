using System.Globalization;
using Cocona;
using ModelShield.Cli.Output;
using ModelShield.Protection.Demo;

namespace ModelShield.Cli.Commands;

/// <summary><c>modelshield demo</c>: the whole story on the shipped sample, offline.</summary>
internal sealed class DemoCommand(CliOutput cli)
{
    [Command("demo", Description =
        "Protect the shipped sample model (trigger set, weight watermark, fingerprint, signature), make a stolen copy\n" +
        "(fine-tuned and pruned) and an independent model, investigate all three and write an evidence report for each.\n" +
        "Needs no input and no network; about a minute.\n" +
        "Example: modelshield demo -o modelshield-demo")]
    public async Task<int> Demo(
        [Option('o', Description = "The folder to write everything to")] string output = "modelshield-demo",
        [Option(Description = "Replace a folder an earlier demo made")] bool force = false,
        [Option(Description = "Print one JSON document")] bool json = false)
    {
        _ = json;
        var samples = Path.Combine(AppContext.BaseDirectory, "samples");
        var result = await ProtectionDemo.RunAsync(new DemoRequest
        {
            SampleModel = Path.Combine(samples, "cnn", "model.onnx"),
            DataFolder = Path.Combine(samples, "data"),
            OutputFolder = output,
            Force = force,
            Log = new LineProgress(cli.Progress),
        }).ConfigureAwait(false);
        cli.Result(result, w => Render(w, result));

        // The demo succeeds when each verdict is the one its suspect deserves.
        var expected = new[] { "signed-release", "derived", "not-shown" };
        return result.Cases.Select(c => c.Verdict).SequenceEqual(expected) ? CliApp.ExitOk : CliApp.ExitVerdictAgainst;
    }

    private static void Render(TextWriter w, DemoResult r)
    {
        var ci = CultureInfo.InvariantCulture;
        w.WriteLine(string.Create(ci, $"ModelShield demo, {r.Seconds:0} s; everything is in {r.OutputFolder}"));
        w.WriteLine();
        ProtectCommands.RenderProtect(w, r.Protect);
        w.WriteLine();
        w.WriteLine(string.Create(ci, $"Stolen copy  {r.Attack.Chain}: test accuracy {r.Attack.OriginalAccuracy:P2} -> {r.Attack.TestAccuracy:P2}"));
        w.WriteLine();
        TextTable.Write(w, ["suspect", "accuracy", "verdict", "weights p", "triggers p", "fingerprint p", "combined p"], r.Cases.Select(c => (IReadOnlyList<string>)
        [
            c.Suspect,
            c.TestAccuracy?.ToString("P1", ci) ?? "-",
            c.Verdict,
            PValue(c, "weights"),
            PValue(c, "triggers"),
            PValue(c, "fingerprint"),
            c.CombinedPValue ?? "-",
        ]));
        w.WriteLine();
        foreach (var c in r.Cases)
        {
            w.WriteLine($"Report       {c.Report}");
        }

        w.WriteLine();
        w.WriteLine("Open a report in a browser; each p-value is the chance an independent model would look this much like ours.");
    }

    private static string PValue(DemoCase c, string test) =>
        c.Outcomes.FirstOrDefault(o => o.Test == test) is { } o ? $"{o.CorrectedPValue}{(o.Detected ? " *" : "")}" : "-";
}
