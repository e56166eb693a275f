using System.Globalization;
using ModelShield.Cli.Output;
using ModelShield.Protection.Watermarks;

namespace ModelShield.Cli.Commands;

/// <summary>The triggers scheme of <c>watermark embed|detect</c>: fine-tuning with the lab, black-box testing of answers.</summary>
internal sealed partial class WatermarkCommands
{
    private int EmbedTriggers(string kit, TriggerMarkRequest request)
    {
        var result = TriggerMarking.Embed(request);
        cli.Result(result, w => RenderTriggerEmbed(w, result, kit));
        return CliApp.ExitOk;
    }

    /// <summary>The triggers scheme's embedding, for people (also used by protect).</summary>
    internal static void RenderTriggerEmbed(TextWriter w, TriggerMarkResult result, string kit)
    {
        var ci = CultureInfo.InvariantCulture;
        var t = result.Training;
        w.WriteLine($"Marked            {result.Output}");
        w.WriteLine($"Scheme            triggers: {result.Triggers} {result.Kind} triggers, {result.Classes} classes, input [{string.Join(", ", result.InputShape)}]");
        w.WriteLine($"Kit entry         {result.EntryId} (added to {kit})");
        w.WriteLine($"SHA-256           {result.OutputSha256}");
        w.WriteLine($"Fine-tuning       {t.EpochsRun} epochs ({t.Epochs} planned) on {t.TrainImages.ToString("N0", ci)} owner images, adam lr {t.LearningRate.ToString(ci)}, {t.TriggersPerBatch} triggers per batch of {t.BatchSize}, weight noise {t.WeightNoise.ToString(ci)}");
        w.WriteLine($"Test accuracy     {t.TestAccuracyBefore.ToString("P2", ci)} -> {t.TestAccuracyAfter.ToString("P2", ci)} ({(t.TestAccuracyChange * 100).ToString("+0.00;-0.00", ci)} points, {t.TestImages.ToString("N0", ci)} images)");
        w.WriteLine($"Trigger accuracy  {t.TriggerAccuracyBefore.ToString("P0", ci)} -> {t.TriggerAccuracy.ToString("P0", ci)}");
        if (t.TriggerAccuracy < 1)
        {
            w.WriteLine($"Warning           {Math.Round((1 - t.TriggerAccuracy) * t.Triggers)} triggers not learned (each one weakens detection); try more --epochs or a larger --lr");
        }
    }

    private async Task<int> DetectTriggersAsync(string? suspect, string kit, KitOptions kitOptions, string? entryPrefix, double alpha, SuspectOptions options)
    {
        var source = SuspectArguments.Create(suspect, options.Endpoint, options.Headers, options.Timeout, options.MaxQueries);
        var report = await TriggerMarking.DetectAsync(source, kitOptions.Access(kit), options.NullModels, entryPrefix, alpha, options.AllTriggers).ConfigureAwait(false);
        cli.Result(report, w => RenderTriggerDetect(w, report));
        return report.Detected ? CliApp.ExitOk : CliApp.ExitVerdictAgainst;
    }

    /// <summary>The triggers scheme's detection, for people (also used by investigate).</summary>
    internal static void RenderTriggerDetect(TextWriter w, TriggerDetectReport report)
    {
        var ci = CultureInfo.InvariantCulture;
        w.WriteLine($"Suspect      {report.Suspect}");
        w.WriteLine($"Verdict      {report.Verdict} (alpha {report.Alpha.ToString("G3", ci)}, {report.WatermarksTried} trigger set(s) tried)");
        w.WriteLine($"Queries      {report.QueriesSpent}{(report.MaxQueries is long max ? $" of at most {max}" : "")}");
        TextTable.Write(w, ["entry", "matched", "trigger acc.", "chance", "p-value", "corrected", "needed", "stopped"], report.Tests.Select(t => (IReadOnlyList<string>)
            [t.EntryId[..8], $"{t.Matched}/{t.Sent}", t.TriggerAccuracy.ToString("P0", ci), t.ChanceRate.ToString("0.###", ci), t.PValue, t.CorrectedPValue, $"{t.CriticalMatched}/{t.Triggers}", t.Stopped]));
        w.WriteLine($"Test         {report.Tests[0].Test}; chance rate {report.Tests[0].ChanceRateSource}");
        foreach (var t in report.Tests.Where(t => t.NullModels > 0))
        {
            w.WriteLine($"Null models  {t.EntryId[..8]}: {t.NullModelsDetected} of {t.NullModels} would be detected at this chance rate");
        }
    }

    private sealed record SuspectOptions(string? Endpoint, string? NullModels, long? MaxQueries, double? Timeout, string[] Headers, bool AllTriggers);
}
