using ModelShield.Protection.Investigate;
using ModelShield.Protection.Reports;
using ModelShield.Protection.Suspects;
using ModelShield.Testing.Files;

namespace ModelShield.Protection.Tests.Reports;

[TestClass]
public sealed class EvidenceReportTests
{
    [TestMethod]
    public async Task Render_WeightsInvestigation_ShowsVerdictFigureAndHashes()
    {
        using var temp = new TempFolder();
        var report = await MarkedInvestigation(temp);

        var html = EvidenceReport.Render(report);

        StringAssert.Contains(html, "Derived from our model");
        StringAssert.Contains(html, "<svg");
        StringAssert.Contains(html, report.Files[0].Sha256);
        StringAssert.Contains(html, report.Weights!.Tests[0].CorrectedPValue);
        Assert.DoesNotContain("<script", html);
        Assert.DoesNotContain("http://", html.Replace("http://www.w3.org/2000/svg", "", StringComparison.Ordinal));
    }

    [TestMethod]
    public async Task Render_HostileSuspectName_IsEscaped()
    {
        using var temp = new TempFolder();
        var report = await MarkedInvestigation(temp) with { Suspect = "<img src=x onerror=alert(1)>" };

        var html = EvidenceReport.Render(report);

        Assert.DoesNotContain("<img src=x", html);
        StringAssert.Contains(html, "&lt;img src=x onerror=alert(1)&gt;");
    }

    [TestMethod]
    public async Task Write_ExistingReport_RefusedWithoutOverwrite()
    {
        using var temp = new TempFolder();
        var report = await MarkedInvestigation(temp);
        var path = temp.File("report.html");
        File.WriteAllText(path, "earlier");

        Assert.ThrowsExactly<ModelShield.Errors.ModelShieldException>(() => EvidenceReport.Write(report, path, overwrite: false));
        var json = EvidenceReport.Write(report, path, overwrite: true);

        Assert.AreNotEqual("earlier", File.ReadAllText(path));
        StringAssert.Contains(File.ReadAllText(json), "\"verdict\": \"derived\"");
    }

    private static async Task<InvestigationReport> MarkedInvestigation(TempFolder temp)
    {
        var kit = ProtectionTestKits.NewKit(temp);
        var marked = ProtectionTestKits.MarkedMlp(temp, kit);
        return await Investigation.InvestigateAsync(new InvestigateRequest { Suspect = SuspectSource.File(marked), Kit = kit });
    }
}
