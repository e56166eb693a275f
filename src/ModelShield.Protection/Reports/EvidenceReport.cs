using System.Globalization;
using System.Net;
using System.Text;
using System.Text.Json;
using ModelShield.IO;
using ModelShield.Protection.Fingerprints;
using ModelShield.Protection.Investigate;
using ModelShield.Protection.Watermarks;
using ModelShield.Watermarking.Statistics;

namespace ModelShield.Protection.Reports;

/// <summary>
/// The evidence report: one self-contained HTML page (inline styles and SVG figures, no script, nothing fetched) that
/// a lawyer can read, with the JSON document of the investigation embedded and written beside it.
/// </summary>
public static class EvidenceReport
{
    private static readonly CultureInfo Ci = CultureInfo.InvariantCulture;

    private static readonly JsonSerializerOptions Json = new(JsonSerializerDefaults.Web) { WriteIndented = true };

    /// <summary>Writes the report to <paramref name="htmlPath"/> and its JSON to the same name with .json, atomically.</summary>
    /// <returns>The JSON file's path.</returns>
    public static string Write(InvestigationReport report, string htmlPath, bool overwrite)
    {
        ArgumentNullException.ThrowIfNull(report);
        var jsonPath = Path.ChangeExtension(htmlPath, ".json");
        var html = Render(report);
        AtomicFile.Write(htmlPath, s => s.Write(Encoding.UTF8.GetBytes(html)), overwrite);
        AtomicFile.Write(jsonPath, s => JsonSerializer.Serialize(s, report, Json), overwrite);
        return Path.GetFullPath(jsonPath);
    }

    /// <summary>The report as one HTML document.</summary>
    public static string Render(InvestigationReport report)
    {
        ArgumentNullException.ThrowIfNull(report);
        var h = new StringBuilder();
        var verdictClass = report.IsOurs ? "ours" : "unknown";
        h.Append("<!DOCTYPE html>\n<html lang=\"en\"><head><meta charset=\"utf-8\">");
        h.Append(Ci, $"<title>ModelShield evidence report: {E(report.Verdict)}</title>");
        h.Append("<style>body{font-family:Georgia,serif;max-width:62em;overflow-wrap:anywhere;margin:2em auto;padding:0 1em;color:#222;line-height:1.45}")
            .Append("h1{font-size:1.6em}h2{border-bottom:1px solid #ccc;padding-bottom:.2em;margin-top:1.6em}")
            .Append(".verdict{padding:1em;border-radius:.4em;font-size:1.15em}.ours{background:#fde8e8;border:2px solid #b42318}.unknown{background:#eef4ee;border:2px solid #3b7d3b}")
            .Append("table{border-collapse:collapse;margin:.6em 0}td,th{border:1px solid #ccc;padding:.25em .6em;text-align:left;vertical-align:top}")
            .Append("code,pre{font-family:Menlo,Consolas,monospace;font-size:.85em}pre{background:#f6f6f6;padding:.6em;overflow-x:auto;white-space:pre-wrap;word-break:break-all}")
            .Append(".muted{color:#666}figure{margin:.8em 0}figcaption{font-size:.9em;color:#444}</style></head><body>\n");
        h.Append("<h1>ModelShield evidence report</h1>\n");
        h.Append(Ci, $"<p class=\"muted\">Produced {report.StartedUtc:yyyy-MM-dd HH:mm:ss} UTC by ModelShield {E(report.ToolVersion)} in {report.Seconds:0.0} s.</p>\n");
        h.Append(Ci, $"<h2>The question</h2><p>{E(report.Question)}</p><p>Suspect ({E(report.SuspectKind)}): <code>{E(report.Suspect)}</code></p>\n");
        h.Append(Ci, $"<h2>The answer</h2><div class=\"verdict {verdictClass}\" id=\"verdict\"><strong>{E(VerdictTitle(report.Verdict))}</strong><br>{E(report.Answer)}</div>\n");
        Summary(h, report);
        Signature(h, report);
        if (report.Weights is not null)
        {
            Weights(h, report.Weights);
        }

        if (report.Triggers is not null)
        {
            Triggers(h, report.Triggers);
        }

        if (report.Fingerprint is not null)
        {
            Fingerprint(h, report.Fingerprint);
        }

        if (report.NotRun.Count > 0)
        {
            h.Append("<h2>What could not be tested</h2><table><tr><th>test</th><th>why</th></tr>");
            foreach (var n in report.NotRun)
            {
                h.Append(Ci, $"<tr><td>{E(n.Test)}</td><td>{E(n.Reason)}</td></tr>");
            }

            h.Append("</table>\n");
        }

        h.Append("<h2>Files examined</h2><p>The SHA-256 digest identifies each file's exact bytes: anyone can recompute it (e.g. <code>sha256sum FILE</code>).</p><table><tr><th>role</th><th>file</th><th>bytes</th><th>SHA-256</th></tr>");
        foreach (var f in report.Files)
        {
            h.Append(Ci, $"<tr><td>{E(f.Role)}</td><td><code>{E(f.Path)}</code></td><td>{f.Bytes:N0}</td><td><code>{E(f.Sha256)}</code></td></tr>");
        }

        h.Append(Ci, $"</table><p>Owner kit <code>{E(report.KitId)}</code>; commitment to the kit entries tested: <code>{E(report.KitCommitment)}</code>. A release's signed <code>kit-commitment.json</code> holding this value shows these secrets existed when the release was signed.</p>\n");
        h.Append("<h2>How to reproduce</h2><p>Each command below repeats one part of this investigation (the kit's passphrase is needed).</p>");
        foreach (var c in report.Commands)
        {
            h.Append(Ci, $"<pre>{E(c)}</pre>");
        }

        h.Append("<h2>Machine-readable record</h2><details><summary>The investigation as JSON</summary><pre id=\"json\">")
            .Append(E(JsonSerializer.Serialize(report, Json)))
            .Append("</pre></details>\n</body></html>\n");
        return h.ToString();
    }

    private static void Summary(StringBuilder h, InvestigationReport r)
    {
        h.Append("<h2>Summary of the tests</h2>");
        h.Append(Ci, $"<p>Each statistical test asks: could a model made independently of ours answer like this by chance? The p-value is that chance. We decide \"derived from our model\" only when it is at most {HypothesisTest.FormatPValue(Math.Log10(r.Alpha))} (one in {1 / r.Alpha:N0}), after dividing that level among the {r.TestsRun} test(s) run (Bonferroni correction), so running several tests does not make a false accusation more likely.</p>");
        if (r.Outcomes.Count > 0)
        {
            h.Append("<table><tr><th>test</th><th>finding</th><th>p-value</th><th>verdict</th></tr>");
            foreach (var o in r.Outcomes)
            {
                h.Append(Ci, $"<tr><td>{E(o.Test)}</td><td>{E(o.Summary)}</td><td>{E(o.CorrectedPValue)}</td><td>{(o.Detected ? "detected" : "not detected")}</td></tr>");
            }

            h.Append(Ci, $"</table><p>Combined p-value (the smallest, times {r.TestsRun}): <strong>{E(r.CombinedPValue ?? "-")}</strong>.</p>");
        }

        if (r.ReleaseMatches.Count > 0)
        {
            h.Append(Ci, $"<p>The suspect file's SHA-256 equals the hash our kit recorded for the released model (entries {E(string.Join(", ", r.ReleaseMatches.Select(m => m[..8])))}): it is that very file.</p>");
        }

        h.Append('\n');
    }

    private static void Signature(StringBuilder h, InvestigationReport r)
    {
        if (r.Signature is not { } s)
        {
            return;
        }

        h.Append("<h2>Signature</h2>");
        h.Append(Ci, $"<p>The release was signed in the OpenSSF Model Signing format, covering every file. Checking the suspect's files against <code>{E(s.SignaturePath)}</code>: <strong>{(s.Verified ? "every file matches" : "it does not verify")}</strong>{(s.Signer is null ? "" : $"; signer {E(s.Signer)}")}{(s.SignedAt is { } at ? string.Create(Ci, $"; signed at {at:yyyy-MM-dd HH:mm:ss} UTC by an RFC 3161 timestamp") : "")}.</p>");
        if (s.Issues.Count > 0)
        {
            h.Append("<table><tr><th>code</th><th>file</th><th>problem</th></tr>");
            foreach (var i in s.Issues)
            {
                h.Append(Ci, $"<tr><td>{E(i.Code)}</td><td>{E(i.Path ?? "")}</td><td>{E(i.Message)}</td></tr>");
            }

            h.Append("</table>");
        }

        h.Append('\n');
    }

    private static void Weights(StringBuilder h, WeightDetectReport w)
    {
        h.Append("<h2>Watermark in the weights (white box)</h2>");
        foreach (var t in w.Tests)
        {
            h.Append(Ci, $"<p>Our model carries a secret {t.Bits}-bit message hidden in its weights; only our key says where. Reading the suspect's weights with that key gives <strong>{t.Matched} of {t.Bits}</strong> bits as we wrote them. A model that never saw our mark matches each bit like a coin toss (chance {t.ChanceRate:0.##}), so about {t.Bits * t.ChanceRate:0} bits; {t.CriticalMatched} or more are needed to decide at this level. The {E(t.Test)} gives p = <strong>{E(t.CorrectedPValue)}</strong> (corrected for the {t.Comparisons} readings tried){(t.FromAlignedModel ? "; the suspect's neurons were first matched to the original's, undoing reordering and rescaling" : "")}.</p>");
            h.Append(CountFigure($"weights-{t.EntryId[..8]}", t.Matched, t.Bits, t.Bits * t.ChanceRate, t.CriticalMatched, "bits matching"));
        }
    }

    private static void Triggers(StringBuilder h, TriggerDetectReport r)
    {
        h.Append("<h2>Trigger set (black box)</h2>");
        foreach (var t in r.Tests)
        {
            h.Append(Ci, $"<p>Before release we taught our model secret answers to {t.Triggers} unusual inputs that only we can generate. The suspect gave the secret answer to <strong>{t.Matched} of {t.Sent}</strong> of them. An independent model gives each secret answer with chance {t.ChanceRate:0.###} ({E(t.ChanceRateSource)}). The {E(t.Test)} gives p = <strong>{E(t.CorrectedPValue)}</strong>{(t.NullModels > 0 ? string.Create(Ci, $"; of {t.NullModels} independent models, {t.NullModelsDetected} would be detected") : "")}. Queries sent: {t.QueriesSpent}.</p>");
            h.Append(CountFigure($"triggers-{t.EntryId[..8]}", t.Matched, t.Sent, t.Sent * t.ChanceRate, Math.Min(t.CriticalMatched, t.Sent), "triggers answered secretly"));
        }
    }

    private static void Fingerprint(StringBuilder h, FingerprintCompareReport f)
    {
        h.Append("<h2>Fingerprint (black box)</h2>");
        h.Append(Ci, $"<p>We recorded how our model answers {f.QueriesRecorded} secret queries, chosen because copies of a model keep their answers while independent models do not, and how {f.NullModels} independently trained models answer them. The suspect answered {f.QueriesSpent} queries. Verdict: <strong>{E(f.Verdict)}</strong>; {f.NullFalsePositives} of {f.NullModels} independent models would have been called clones.</p>");
        h.Append("<table><tr><th>comparison</th><th>score</th><th>agreeing / asked</th><th>needed</th><th>p-value</th><th>clone</th></tr>");
        foreach (var c in f.Comparators)
        {
            h.Append(c.NotRunReason is not null
                ? string.Create(Ci, $"<tr><td>{E(c.Description)}</td><td colspan=\"5\">not run: {E(c.NotRunReason)}</td></tr>")
                : string.Create(Ci, $"<tr><td>{E(c.Description)}</td><td>{c.Score:0.000}</td><td>{c.Successes}/{c.Trials}</td><td>{c.SuccessesNeeded}</td><td>{E(c.CorrectedPValue ?? "-")}</td><td>{(c.IsClone ? "yes" : "no")}</td></tr>"));
        }

        h.Append("</table>");
        foreach (var c in f.Comparators.Where(c => c.Trials is > 0 && c.NullTrials > 0))
        {
            h.Append(NullFigure($"fingerprint-{c.Comparator}", c));
        }

        foreach (var n in f.Notes)
        {
            h.Append(Ci, $"<p class=\"muted\">Note: {E(n)}</p>");
        }

        h.Append('\n');
    }

    /// <summary>A bar of successes out of trials, with the chance expectation and the decision threshold marked.</summary>
    private static string CountFigure(string id, int successes, int trials, double expected, int needed, string what)
    {
        const double Width = 600, Left = 10;
        double X(double v) => Left + (Width * v / Math.Max(1, trials));
        var s = new StringBuilder();
        s.Append(Ci, $"<figure id=\"fig-{E(id)}\"><svg xmlns=\"http://www.w3.org/2000/svg\" width=\"640\" height=\"70\" role=\"img\" aria-label=\"{successes} of {trials} {E(what)}\">");
        s.Append(Ci, $"<rect x=\"{Left}\" y=\"20\" width=\"{Width}\" height=\"22\" fill=\"#eee\" stroke=\"#999\"/>");
        s.Append(Ci, $"<rect class=\"observed\" x=\"{Left}\" y=\"20\" width=\"{X(successes) - Left:0.0}\" height=\"22\" fill=\"#b42318\"/>");
        s.Append(Ci, $"<line x1=\"{X(expected):0.0}\" y1=\"12\" x2=\"{X(expected):0.0}\" y2=\"50\" stroke=\"#333\" stroke-dasharray=\"4 3\"/><text x=\"{X(expected):0.0}\" y=\"62\" font-size=\"11\" text-anchor=\"middle\">chance {expected:0}</text>");
        s.Append(Ci, $"<line x1=\"{X(needed):0.0}\" y1=\"12\" x2=\"{X(needed):0.0}\" y2=\"50\" stroke=\"#1d4ed8\" stroke-width=\"2\"/><text x=\"{X(needed):0.0}\" y=\"10\" font-size=\"11\" text-anchor=\"middle\" fill=\"#1d4ed8\">needed {needed}</text>");
        s.Append("</svg>");
        s.Append(Ci, $"<figcaption>Red: the suspect's {successes} of {trials} {E(what)}. Dashed: what chance gives. Blue: what the test needs to decide.</figcaption></figure>");
        return s.ToString();
    }

    /// <summary>Each independent model's agreement rate as a grey dot, the suspect's as a red diamond, the threshold as a blue line.</summary>
    private static string NullFigure(string id, ComparatorTestResult c)
    {
        const double Width = 600, Left = 10;
        static double X(double rate) => Left + (Width * Math.Clamp(rate, 0, 1));
        var suspect = (double)c.Successes!.Value / c.Trials!.Value;
        var s = new StringBuilder();
        s.Append(Ci, $"<figure id=\"fig-{E(id)}\"><svg xmlns=\"http://www.w3.org/2000/svg\" width=\"640\" height=\"80\" role=\"img\" aria-label=\"{E(c.Comparator)}: suspect against {c.NullSuccesses.Count} independent models\">");
        s.Append(Ci, $"<line x1=\"{Left}\" y1=\"40\" x2=\"{Left + Width}\" y2=\"40\" stroke=\"#999\"/>");
        for (var tick = 0; tick <= 10; tick++)
        {
            s.Append(Ci, $"<text x=\"{X(tick / 10.0):0.0}\" y=\"75\" font-size=\"10\" text-anchor=\"middle\">{tick * 10}%</text>");
        }

        foreach (var n in c.NullSuccesses)
        {
            s.Append(Ci, $"<circle class=\"null\" cx=\"{X((double)n / c.NullTrials):0.0}\" cy=\"40\" r=\"5\" fill=\"#888\" fill-opacity=\"0.6\"/>");
        }

        if (c.SuccessesNeeded is int needed)
        {
            s.Append(Ci, $"<line x1=\"{X((double)needed / c.Trials.Value):0.0}\" y1=\"15\" x2=\"{X((double)needed / c.Trials.Value):0.0}\" y2=\"60\" stroke=\"#1d4ed8\" stroke-width=\"2\"/>");
        }

        var x = X(suspect);
        s.Append(Ci, $"<polygon class=\"suspect\" points=\"{x:0.0},28 {x + 8:0.0},40 {x:0.0},52 {x - 8:0.0},40\" fill=\"#b42318\"/>");
        s.Append("</svg>");
        s.Append(Ci, $"<figcaption>{E(c.Description)}: the share of queries agreeing. Grey: {c.NullSuccesses.Count} independent models. Red: the suspect ({suspect:P0}). Blue: the decision threshold.</figcaption></figure>");
        return s.ToString();
    }

    private static string VerdictTitle(string verdict) => verdict switch
    {
        "signed-release" => "Our signed release",
        "derived" => "Derived from our model",
        _ => "Not shown to be ours",
    };

    private static string E(string text) => WebUtility.HtmlEncode(text);
}
